// Runs the injector off the page's thread: a large workload file is injected a slice of
// documents at a time, with progress posted between slices, and a newer request abandons an
// older one at the next slice.
import init, { Playground, diff } from './pkg/web.js';

const ready = init({ module_or_path: new URL('./pkg/web_bg.wasm', import.meta.url) });

// Slices aim at this many milliseconds: short enough that a newer request is picked up
// quickly, long enough that posting progress costs nothing noticeable.
const SLICE_MS = 40;

let latest = 0;
// The injector for the last settings: building one parses the templates, so it is kept
// while only the workload changes.
let cached = null;

const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0));

self.onmessage = async ({ data }) => {
  if (data.type !== 'run') return;
  latest = data.id;
  try {
    await ready;
  } catch (error) {
    self.postMessage({ type: 'fatal', message: `cannot load the injector: ${error}` });
    return;
  }
  if (data.id !== latest) return;
  try {
    await run(data);
  } catch (error) {
    // A trap in the wasm module leaves it unusable; start over with a fresh instance.
    cached = null;
    self.postMessage({ type: 'result', id: data.id, internalError: String(error) });
  }
};

function playgroundFor(settings) {
  const key = JSON.stringify(settings);
  if (cached && cached.key === key) return cached.playground;
  if (cached) cached.playground.free();
  cached = null;
  const playground = new Playground(key); // throws a located problem's JSON
  cached = { key, playground };
  return playground;
}

async function run({ id, settings, input, namespace }) {
  const started = performance.now();
  let playground;
  try {
    playground = playgroundFor(settings);
  } catch (problem) {
    self.postMessage({ type: 'result', id, configError: JSON.parse(String(problem)), ms: performance.now() - started });
    return;
  }
  const total = playground.begin(input);
  let budget = 8;
  while (!playground.finished()) {
    const sliceStart = performance.now();
    const done = playground.step(budget);
    const spent = performance.now() - sliceStart;
    budget = Math.max(1, Math.min(100000, Math.round((budget * SLICE_MS) / Math.max(spent, 1))));
    if (!playground.finished()) {
      self.postMessage({ type: 'progress', id, done, total });
      await yieldToEvents();
      if (id !== latest) return;
    }
  }
  const outcome = JSON.parse(playground.finish());
  outcome.output = playground.take_output() ?? null;
  const injectedMs = performance.now() - started;
  const ns = JSON.stringify(namespace);
  const decisions = JSON.parse(playground.explain(input, ns));
  const admission = JSON.parse(playground.admission(input, ns));
  const unified = outcome.output == null ? null : (diff(input, outcome.output) ?? null);
  self.postMessage({
    type: 'result', id, total, outcome, decisions, admission, diff: unified,
    injectedMs, ms: performance.now() - started,
  });
}
