// What the browser tests share: the built page served from a local port, Debian's chromium
// driven by playwright-core, and the built kube-inject binary for the expected output.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(WEB_DIR, '..');
const TARGET_DIR = process.env.CARGO_TARGET_DIR
  ? resolve(REPO_DIR, process.env.CARGO_TARGET_DIR)
  : join(REPO_DIR, 'target');

// The page `make playground-build` assembles, and the kube-inject the Makefile builds.
export const PLAYGROUND_DIR = resolve(process.env.PLAYGROUND_DIR ?? join(TARGET_DIR, 'playground'));
export const KUBE_INJECT = resolve(process.env.KUBE_INJECT ?? join(TARGET_DIR, 'debug', 'kube-inject'));
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The flags that keep Debian's chromium from reaching out anywhere.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Containers often have a small /dev/shm.
  '--disable-dev-shm-usage',
];

/** Why the browser tests cannot run here, or null. */
export function missing() {
  if (!existsSync(CHROMIUM)) {
    return `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;
  }
  if (!existsSync(join(PLAYGROUND_DIR, 'pkg', 'web_bg.wasm'))) {
    return `no built playground in ${PLAYGROUND_DIR} (make playground-build)`;
  }
  if (!existsSync(KUBE_INJECT)) {
    return `no kube-inject binary at ${KUBE_INJECT} (cargo build -p kube-inject)`;
  }
  return null;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.yaml': 'text/yaml; charset=utf-8',
  '.png': 'image/png',
};

/** Serves `root` on 127.0.0.1 at a free port; resolves to { url, close }. */
export function serve(root = PLAYGROUND_DIR) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    response.end(readFileSync(file));
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolvePromise({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

/** A headless chromium with a fresh profile; resolves to { context, close }. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the answer to the latest edit is on screen. */
export async function settled(page, timeout = 20_000) {
  await page.waitForFunction(() => window.playground && !window.playground.pending, null, { timeout });
}

/** Opens the page and waits for its first injection. */
export async function open(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  await settled(page);
  page.errors = errors;
  return page;
}

/**
 * Replaces an editor's text the way a paste does (one input event). Typing a large text
 * through the keyboard emulation takes minutes, so large texts are set directly.
 */
export async function paste(page, selector, text, timeout = 20_000) {
  if (text.length < 64 * 1024) {
    await page.fill(selector, text);
  } else {
    await page.evaluate(([sel, value]) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, [selector, text]);
  }
  await settled(page, timeout);
}

/**
 * Runs the built kube-inject over `input`; resolves to { status, stdout, stderr }.
 * `files` are written next to the input and named in `args` by their key.
 */
export function kubeInject(input, args = [], files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'playground-kube-inject-'));
  try {
    const names = {};
    for (const [key, text] of Object.entries(files)) {
      names[key] = join(dir, key);
      writeFileSync(names[key], text);
    }
    const argv = ['-f', '-', ...args.map((a) => names[a] ?? a)];
    const env = { ...process.env };
    delete env.ENABLE_NATIVE_SIDECARS;
    delete env.COMPLIANCE_POLICY;
    const result = spawnSync(KUBE_INJECT, argv, { input, encoding: 'utf8', env, maxBuffer: 1 << 30 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function example(name) {
  return readFileSync(join(REPO_DIR, name), 'utf8');
}
