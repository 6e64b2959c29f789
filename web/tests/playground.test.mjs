// The playground as a person uses it, in Debian's chromium: paste, toggle, read the answer,
// share the link. The expected injected YAML comes from the built kube-inject binary.
// SCREENSHOTS=dir also saves the page's pictures there (`make playground-screenshots`).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { example, kubeInject, launch, missing, open, paste, serve, settled } from './support.mjs';

const why = missing();
if (why) {
  console.log(`# SKIP browser tests: ${why}`);
}

const SCREENSHOTS = process.env.SCREENSHOTS ? resolve(process.env.SCREENSHOTS) : null;

async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

// A config whose sidecar template has an unclosed action on its third line.
const BROKEN_CONFIG = `policy: enabled
templates:
  sidecar: |
    spec:
      containers:
      - name: istio-proxy
        image: {{ .Values.global.hub }
`;

describe('playground', { skip: why ?? false }, () => {
  let server;
  let browser;

  before(async () => {
    server = await serve();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a pasted Deployment is injected exactly as kube-inject injects it', async () => {
    const page = await open(browser.context, server.url);
    const input = example('examples/workloads/httpbin.yaml');
    await paste(page, '#workload', input);

    const expected = kubeInject(input);
    assert.equal(expected.status, 0, expected.stderr);
    assert.equal(await page.evaluate(() => window.playground.lastOutput), expected.stdout);
    assert.equal(await page.textContent('#output'), expected.stdout);
    assert.match(await page.textContent('#decision'), /injected/);

    // The toggles are kube-inject's flags.
    await page.check('#native-sidecars');
    await settled(page);
    assert.equal(await page.textContent('#output'), kubeInject(input, ['--native-sidecars']).stdout);
    await page.fill('#revision', 'canary');
    await settled(page);
    await page.selectOption('#compliance', 'fips-140-3');
    await settled(page);
    const flags = ['--native-sidecars', '-r', 'canary', '--compliance-policy', 'fips-140-3'];
    assert.equal(await page.textContent('#output'), kubeInject(input, flags).stdout);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a pasted mesh config is used as kube-inject uses the file', async () => {
    const page = await open(browser.context, server.url);
    const input = example('examples/sleep.yaml');
    const mesh = 'trustDomain: example.org\ndefaultConfig:\n  holdApplicationUntilProxyStarts: true\n  proxyMetadata:\n    TEAM: payments\n';
    await paste(page, '#workload', input);
    await page.click('button[data-tab="mesh"]');
    await paste(page, '#mesh', mesh);
    const expected = kubeInject(input, ['--meshConfigFile', 'mesh'], { mesh });
    assert.equal(expected.status, 0, expected.stderr);
    assert.match(expected.stdout, /example\.org/);
    assert.equal(await page.textContent('#output'), expected.stdout);
    // A values text that is not YAML is refused in the values editor.
    await page.click('button[data-tab="values"]');
    await paste(page, '#values', 'global: [1\n');
    assert.match(await page.textContent('#error .location'), /^values/);
    assert.match(await page.textContent('#error .message'), /^values: invalid values: /);
    await page.close();
  });

  test('the sleep example shows its diff and the policy patch', async () => {
    const page = await open(browser.context, server.url);
    assert.equal(await page.inputValue('#example'), 'sleep');
    await page.click('button[data-tab="diff"]');
    const diff = await page.textContent('#diff');
    assert.match(diff, /^--- workload\n\+\+\+ injected\n/);
    assert.match(diff, /\n\+ +name: istio-proxy\n/);
    await page.click('button[data-tab="patch"]');
    assert.match(await page.textContent('#verdict'), /accepted with this patch/);
    const patch = JSON.parse(await page.textContent('#patch'));
    assert.ok(patch.some((op) => op.op === 'add' && /containers/.test(op.path)), JSON.stringify(patch));
    await page.click('button[data-tab="output"]');
    await screenshot(page, 'injected-deployment.png');
    await page.close();
  });

  test('an opted-out pod is not injected, with Istio\'s reason', async () => {
    const page = await open(browser.context, server.url);
    await page.selectOption('#example', 'opted-out');
    await settled(page);
    const row = page.locator('#decision .decision').first();
    assert.equal(await row.locator('.badge').textContent(), 'not injected');
    assert.equal(await row.locator('.why').textContent(), 'sidecar injection disabled by label');
    const expected = kubeInject(await page.inputValue('#workload'));
    assert.equal(await page.textContent('#output'), expected.stdout);
    await page.click('button[data-tab="warnings"]');
    assert.match(await page.textContent('#warnings'), /===> Skipping injection because Pod "demo\/legacy" has sidecar injection disabled/);
    assert.match(await page.textContent('#verdict'), /accepted unchanged — sidecar injection disabled by label/);
    await page.close();
  });

  test('a hostNetwork pod and an unlabelled namespace are explained', async () => {
    const page = await open(browser.context, server.url);
    await page.selectOption('#example', 'host-network');
    await settled(page);
    assert.equal(await page.textContent('#decision .why'), 'host networking enabled');
    await page.selectOption('#example', 'sleep');
    await settled(page);
    await paste(page, '#ns-labels', '');
    assert.equal(await page.textContent('#decision .badge'), 'not injected');
    assert.match(await page.textContent('#decision .why'), /^No matching namespace labels \(istio.io\/rev=default, istio-injection=enabled\)/);
    await page.close();
  });

  test('a broken template shows its line and column', async () => {
    const page = await open(browser.context, server.url);
    await paste(page, '#config', BROKEN_CONFIG);
    const error = page.locator('#error');
    assert.ok(await error.isVisible());
    // The action is on the config's 7th line; Go's parser stops at its lone closing brace.
    assert.equal(await error.locator('.location').textContent(), 'injector config, line 7, column 38');
    const message = await error.locator('.message').textContent();
    const cli = kubeInject(example('examples/sleep.yaml'), ['--injectConfigFile', 'config'], { config: BROKEN_CONFIG });
    assert.notEqual(cli.status, 0);
    assert.ok(cli.stderr.includes(message), `${cli.stderr} should include ${message}`);
    assert.match(message, /^injectorConfig\.templates\.sidecar: template: sidecar:4:33: unexpected "}" in operand$/);
    // "Show" selects the line in the config editor.
    await error.locator('button').click();
    const selected = await page.evaluate(() => {
      const el = document.getElementById('config');
      return el.value.slice(el.selectionStart, el.selectionEnd);
    });
    assert.equal(selected, '        image: {{ .Values.global.hub }');
    await page.close();
  });

  test('a bad annotation shows Istio\'s message', async () => {
    const page = await open(browser.context, server.url);
    await page.selectOption('#example', 'bad-annotation');
    await settled(page);
    const input = await page.inputValue('#workload');
    const cli = kubeInject(input);
    assert.equal(cli.status, 1);
    const message = await page.locator('#error .message').textContent();
    assert.ok(cli.stderr.endsWith(`Error: ${message}\n`), cli.stderr);
    assert.match(message, /sidecar\.istio\.io\/proxyCPU/);
    // The location is the annotation's line.
    assert.equal(await page.textContent('#error .location'), 'workloads, line 8');
    const row = page.locator('#decision .decision').first();
    assert.equal(await row.locator('.badge').textContent(), 'rejected');
    assert.match(await row.locator('.why').textContent(), /sidecar\.istio\.io\/proxyCPU/);
    await page.click('button[data-tab="patch"]');
    assert.match(await page.textContent('#verdict'), /rejected — /);
    await screenshot(page, 'rejected-pod.png');
    await page.close();
  });

  test('the shared URL restores the state', async () => {
    const page = await open(browser.context, server.url);
    const input = example('examples/workloads/httpbin.yaml');
    await paste(page, '#workload', input);
    await page.check('#native-sidecars');
    await settled(page);
    await paste(page, '#revision', 'canary');
    await paste(page, '#ns-labels', 'istio.io/rev=canary');
    const output = await page.textContent('#output');
    const url = page.url();
    assert.match(url, /#s=[A-Za-z0-9_-]+$/);
    await page.close();

    const again = await open(browser.context, url);
    assert.equal(await again.inputValue('#workload'), input);
    assert.equal(await again.isChecked('#native-sidecars'), true);
    assert.equal(await again.inputValue('#revision'), 'canary');
    assert.equal(await again.inputValue('#ns-labels'), 'istio.io/rev=canary');
    assert.equal(await again.textContent('#output'), output);
    assert.equal(await again.textContent('#decision .badge'), 'injected');
    await again.close();
  });

  test('a large file shows progress and ends with kube-inject\'s output', async () => {
    const page = await open(browser.context, server.url);
    const one = example('examples/sleep.yaml');
    const input = Array.from({ length: 400 }, (_, i) => one.replaceAll('sleep', `sleep-${i}`)).join('---\n');
    await page.evaluate(() => {
      window.progressSeen = 0;
      new MutationObserver(() => { window.progressSeen += 1; })
        .observe(document.getElementById('progress'), { attributes: true });
    });
    await paste(page, '#workload', input);
    assert.ok(await page.evaluate(() => window.progressSeen) > 0, 'no progress shown');
    assert.equal(await page.evaluate(() => window.playground.lastOutput), kubeInject(input).stdout);
    assert.match(await page.textContent('#status'), /^Injected 800 documents in \d+ ms\.$/);
    await page.close();
  });

  test('a file over a megabyte is kept out of the editor and injected whole', async () => {
    const page = await open(browser.context, server.url);
    const service = (i) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  ports:\n  - port: 80\n`;
    const input = Array.from({ length: 14000 }, (_, i) => service(i)).join('---\n');
    assert.ok(input.length > 1024 * 1024);
    await paste(page, '#workload', input, 120_000);
    assert.equal(await page.inputValue('#workload'), '');
    assert.match(await page.textContent('#large'), /^1\.\d MiB of YAML \(about 14,000 documents\)/);
    assert.equal(await page.evaluate(() => window.playground.lastOutput), kubeInject(input).stdout);
    assert.match(await page.textContent('#output'), /more bytes\n$/);
    assert.equal(await page.isDisabled('#share'), true);
    await page.click('#clear-large');
    await settled(page);
    assert.equal(await page.isHidden('#large'), true);
    await page.close();
  });

  test('the page works offline once loaded', async () => {
    const page = await open(browser.context, server.url);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
      }
    });
    await browser.context.setOffline(true);
    try {
      await page.reload();
      await settled(page);
      assert.match(await page.textContent('#output'), /name: istio-proxy/);
      await page.selectOption('#example', 'job');
      await settled(page);
      assert.match(await page.textContent('#decision .what'), /^Job demo\/migrate$/);
    } finally {
      await browser.context.setOffline(false);
    }
    await page.close();
  });
});
