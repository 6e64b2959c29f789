// The page: editors and toggles in, the worker's answers out. The state lives in the URL's
// fragment (compressed JSON), so a link restores exactly what was on screen.

const EXAMPLES = [
  { id: 'sleep', title: 'sleep (Deployment)', file: 'examples/sleep.yaml' },
  { id: 'job', title: 'Job', file: 'examples/job.yaml' },
  { id: 'cronjob', title: 'CronJob', file: 'examples/cronjob.yaml' },
  { id: 'opted-out', title: 'Opted-out pod', file: 'examples/opted-out.yaml' },
  { id: 'host-network', title: 'hostNetwork pod', file: 'examples/host-network.yaml' },
  { id: 'gateway', title: 'Ingress gateway', file: 'examples/gateway.yaml', nsName: 'istio-ingress', nsLabels: '' },
  { id: 'bad-annotation', title: 'Invalid annotation', file: 'examples/bad-annotation.yaml' },
];

const DEFAULT_STATE = {
  example: 'sleep', workload: '', config: '', values: '', mesh: '',
  nativeSidecars: false, revision: '', compliancePolicy: '',
  nsName: 'demo', nsLabels: 'istio-injection=enabled',
};

// Past this size, the output is shown in part (the whole is kept for download) and the
// state is not put in the URL.
const SHOWN_BYTES = 256 * 1024;
// A textarea holding tens of megabytes takes the page's thread for seconds at every layout:
// larger workloads are kept aside and summarised instead.
const EDITOR_MAX = 1024 * 1024;
const URL_STATE_MAX = 64 * 1024;

const $ = (id) => document.getElementById(id);
const fields = {
  workload: $('workload'), config: $('config'), values: $('values'), mesh: $('mesh'),
  nativeSidecars: $('native-sidecars'), revision: $('revision'), compliancePolicy: $('compliance'),
  nsName: $('ns-name'), nsLabels: $('ns-labels'),
};

// Read by the browser tests and the budget script.
// `pending` is true from an edit until the answer to the latest edit is on screen.
const metrics = { firstInjectionMs: null, runs: 0, last: null, lastOutput: null, pending: true };
window.playground = metrics;

let state = { ...DEFAULT_STATE };
// The workload when it is too large for the editor (see EDITOR_MAX), else null.
let largeWorkload = null;
let worker;
let runId = 0;
let debounce;

// ---------------------------------------------------------------------------------------
// State ⇄ editors ⇄ URL.

function readFields() {
  for (const [key, el] of Object.entries(fields)) {
    state[key] = el.type === 'checkbox' ? el.checked : el.value;
  }
  if (largeWorkload !== null) state.workload = largeWorkload;
}

function writeFields() {
  for (const [key, el] of Object.entries(fields)) {
    if (el.type === 'checkbox') el.checked = Boolean(state[key]);
    else if (el !== fields.workload) el.value = state[key] ?? '';
  }
  setWorkload(state.workload ?? '');
  $('example').value = state.example || '';
}

function setWorkload(text) {
  const large = text.length > EDITOR_MAX;
  largeWorkload = large ? text : null;
  fields.workload.value = large ? '' : text;
  const banner = $('large');
  banner.hidden = !large;
  if (large) {
    const documents = text.split(/^---/m).length;
    banner.querySelector('span').textContent = `${(text.length / 1048576).toFixed(1)} MiB of YAML (about ${documents.toLocaleString('en')} documents), too large to show in the editor: it is injected as it is. Type or paste here to replace it.`;
  }
}

async function transform(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// Only what differs from the defaults goes into the link.
async function encodeState() {
  if (state.workload.length + state.config.length > URL_STATE_MAX) return null;
  const changed = {};
  for (const [key, value] of Object.entries(state)) {
    if (value !== DEFAULT_STATE[key]) changed[key] = value;
  }
  const json = new TextEncoder().encode(JSON.stringify(changed));
  if (json.length > URL_STATE_MAX) return null;
  return toBase64Url(await transform(json, new CompressionStream('deflate-raw')));
}

async function decodeState(hash) {
  const match = /^#s=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!match) return null;
  try {
    const bytes = await transform(fromBase64Url(match[1]), new DecompressionStream('deflate-raw'));
    const saved = JSON.parse(new TextDecoder().decode(bytes));
    return typeof saved === 'object' && saved ? { ...DEFAULT_STATE, ...saved } : null;
  } catch {
    return null;
  }
}

async function updateUrl() {
  const encoded = await encodeState();
  const url = new URL(location.href);
  url.hash = encoded === null ? '' : `s=${encoded}`;
  history.replaceState(null, '', url);
  $('share').disabled = encoded === null;
  $('share').title = encoded === null
    ? 'Too large to fit in a link'
    : 'Copy a link that restores this page';
}

async function loadExample(id) {
  const example = EXAMPLES.find((e) => e.id === id);
  if (!example) return;
  const response = await fetch(example.file);
  state.example = id;
  state.workload = await response.text();
  state.nsName = example.nsName ?? DEFAULT_STATE.nsName;
  state.nsLabels = example.nsLabels ?? DEFAULT_STATE.nsLabels;
  writeFields();
}

// ---------------------------------------------------------------------------------------
// Running the injector.

function schedule(delay = 250) {
  metrics.pending = true;
  clearTimeout(debounce);
  debounce = setTimeout(run, delay);
}

function run() {
  metrics.pending = true;
  clearTimeout(debounce);
  readFields();
  updateUrl();
  runId += 1;
  worker.postMessage({
    type: 'run',
    id: runId,
    input: state.workload,
    settings: {
      config: state.config, values: state.values, mesh: state.mesh,
      nativeSidecars: state.nativeSidecars, revision: state.revision.trim(),
      compliancePolicy: state.compliancePolicy,
    },
    namespace: { name: state.nsName, labels: state.nsLabels },
  });
  setStatus('Injecting…');
}

function onMessage({ data }) {
  if (data.type === 'fatal') {
    setStatus(data.message);
    metrics.fatal = data.message;
    metrics.pending = false;
    return;
  }
  if (data.id !== runId) return; // an answer to an edit since superseded
  if (data.type === 'progress') {
    const progress = $('progress');
    progress.hidden = false;
    progress.max = data.total;
    progress.value = data.done;
    setStatus(`Injecting ${data.done.toLocaleString('en')} / ${data.total.toLocaleString('en')} documents…`);
    return;
  }
  $('progress').hidden = true;
  render(data);
  metrics.runs += 1;
  metrics.last = data;
  metrics.pending = false;
  if (metrics.firstInjectionMs === null && data.outcome) {
    metrics.firstInjectionMs = performance.now();
    $('metrics').textContent = `First injection ${Math.round(metrics.firstInjectionMs)} ms after page load.`;
  }
  document.body.dataset.run = String(metrics.runs);
}

function setStatus(text) {
  $('status').textContent = text;
}

// ---------------------------------------------------------------------------------------
// Rendering.

function render(data) {
  const error = $('error');
  error.hidden = true;
  error.replaceChildren();
  if (data.internalError) {
    showProblem({ message: `internal error: ${data.internalError}`, editor: 'workload' }, 'The injector failed');
    setStatus('Failed.');
    return;
  }
  if (data.configError) {
    showProblem(data.configError, 'The configuration is invalid');
    clearResults('No injection: the configuration does not load.');
    setStatus('Configuration error.');
    return;
  }
  const { outcome } = data;
  if (outcome.error) showProblem(outcome.error, 'kube-inject refuses this input');
  renderOutput(outcome);
  renderDecisions(data.decisions, data.admission);
  renderPatch(data.admission);
  renderList($('warnings'), outcome.warnings);
  renderList($('notes'), outcome.notes);
  $('warning-count').textContent = outcome.warnings.length ? `(${outcome.warnings.length})` : '';
  renderDiff(data.diff, outcome);
  const docs = `${outcome.documents.toLocaleString('en')} document${outcome.documents === 1 ? '' : 's'}`;
  setStatus(outcome.error
    ? `Failed at document ${outcome.error.document + 1}.`
    : `Injected ${docs} in ${Math.round(data.injectedMs)} ms.`);
}

function clearResults(why) {
  $('output').textContent = '';
  $('diff').textContent = '';
  $('patch').textContent = '';
  $('verdict').textContent = '';
  $('decision').replaceChildren(paragraph(why, 'muted'));
  metrics.lastOutput = null;
}

function paragraph(text, className) {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

const EDITOR_NAMES = {
  workload: 'workloads', config: 'injector config', values: 'values', mesh: 'mesh', settings: 'settings',
};

function showProblem(problem, title) {
  const error = $('error');
  const heading = document.createElement('strong');
  heading.textContent = title;
  const where = [EDITOR_NAMES[problem.editor] ?? problem.editor];
  if (problem.line != null) where.push(`line ${problem.line}`);
  if (problem.column != null) where.push(`column ${problem.column}`);
  const location = document.createElement('div');
  location.className = 'location';
  location.textContent = where.join(', ');
  const message = document.createElement('div');
  message.className = 'message';
  message.textContent = problem.message;
  error.append(heading, location, message);
  if (problem.line != null && fields[problem.editor]) {
    const show = document.createElement('button');
    show.type = 'button';
    show.textContent = 'Show';
    show.addEventListener('click', () => selectLine(problem.editor, problem.line));
    error.append(show);
  }
  error.hidden = false;
}

function selectLine(editor, line) {
  if (editor !== 'workload') selectTab('config', editor);
  const el = fields[editor];
  const lines = el.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[line - 1] ?? '').length;
  el.focus();
  el.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
  el.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

function renderOutput(outcome) {
  metrics.lastOutput = outcome.output;
  const output = $('output');
  if (outcome.output == null) {
    output.textContent = '';
    return;
  }
  if (outcome.output.length > SHOWN_BYTES) {
    const cut = outcome.output.lastIndexOf('\n', SHOWN_BYTES) + 1;
    output.textContent = `${outcome.output.slice(0, cut)}\n… ${(outcome.output.length - cut).toLocaleString('en')} more bytes\n`;
  } else {
    output.textContent = outcome.output;
  }
}

function renderDiff(unified, outcome) {
  const pre = $('diff');
  pre.replaceChildren();
  if (outcome.output == null) return;
  if (unified == null) {
    pre.textContent = 'The input is too large to diff here.';
    return;
  }
  if (unified === '') {
    pre.textContent = 'No change.';
    return;
  }
  const fragment = document.createDocumentFragment();
  for (const line of unified.split('\n')) {
    const span = document.createElement('span');
    if (line.startsWith('@@')) span.className = 'hunk';
    else if (line.startsWith('+') && !line.startsWith('+++')) span.className = 'add';
    else if (line.startsWith('-') && !line.startsWith('---')) span.className = 'del';
    span.textContent = `${line}\n`;
    fragment.append(span);
  }
  pre.append(fragment);
}

function renderDecisions(decisions, admission) {
  const box = $('decision');
  box.replaceChildren();
  if (decisions.error) {
    box.append(paragraph(decisions.error, 'muted'));
    return;
  }
  if (!decisions.decisions.length) {
    box.append(paragraph('No workload with a pod in the input.', 'muted'));
    return;
  }
  const answer = admission.answer;
  for (const decision of decisions.decisions) {
    const rejected = decision.rejected
      || (answer && answer.verdict === 'reject' && answer.document === decision.document);
    const kind = rejected ? 'rejected' : decision.inject ? 'injected' : 'skipped';
    const row = document.createElement('div');
    row.className = `decision ${kind}`;
    row.dataset.document = String(decision.document);
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = rejected ? 'rejected' : decision.inject ? 'injected' : 'not injected';
    const what = document.createElement('span');
    what.className = 'what';
    what.textContent = decision.workload;
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = rejected && answer?.document === decision.document ? answer.message : decision.reason;
    row.append(badge, what, why);
    box.append(row);
  }
}

function renderPatch(admission) {
  const verdict = $('verdict');
  const patch = $('patch');
  if (admission.error || !admission.answer) {
    verdict.className = 'verdict';
    verdict.textContent = admission.error ?? 'No pod to admit.';
    patch.textContent = '';
    patch.hidden = true;
    return;
  }
  const answer = admission.answer;
  verdict.className = `verdict ${answer.verdict}`;
  const subject = `${answer.workload}:`;
  verdict.textContent = {
    mutate: `${subject} accepted with this patch (${answer.patch.length} operations).`,
    accept: `${subject} accepted unchanged — ${answer.message}.`,
    reject: `${subject} rejected — ${answer.message}`,
  }[answer.verdict];
  patch.textContent = answer.verdict === 'mutate' ? JSON.stringify(answer.patch, null, 2) : '';
  patch.hidden = answer.verdict !== 'mutate';
}

function renderList(list, items) {
  list.replaceChildren(...items.map((text) => {
    const li = document.createElement('li');
    li.textContent = text;
    return li;
  }));
}

// ---------------------------------------------------------------------------------------
// Tabs.

function selectTab(group, name) {
  const tabs = document.querySelector(`.tabs[data-group="${group}"]`);
  for (const button of tabs.querySelectorAll('button')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === name));
  }
  for (const button of tabs.querySelectorAll('button')) {
    const pane = document.querySelector(`[data-pane="${button.dataset.tab}"]`);
    pane.hidden = button.dataset.tab !== name;
  }
}

// ---------------------------------------------------------------------------------------
// Start.

async function start() {
  const picker = $('example');
  for (const example of EXAMPLES) {
    picker.append(new Option(example.title, example.id));
  }
  for (const tabs of document.querySelectorAll('.tabs')) {
    tabs.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-tab]');
      if (button) selectTab(tabs.dataset.group, button.dataset.tab);
    });
  }

  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', (event) => setStatus(`The injector failed to start: ${event.message ?? 'see the console'}`));

  const restored = await decodeState(location.hash);
  if (restored) {
    state = restored;
    writeFields();
  } else {
    await loadExample(DEFAULT_STATE.example);
  }

  picker.addEventListener('change', async () => {
    if (!picker.value) return;
    metrics.pending = true;
    await loadExample(picker.value);
    run();
  });
  for (const el of Object.values(fields)) {
    el.addEventListener(el.tagName === 'SELECT' || el.type === 'checkbox' ? 'change' : 'input', () => {
      if (el === fields.workload) {
        state.example = '';
        picker.value = '';
        // A paste over the size limit is moved out of the editor; an edit replaces a large
        // workload kept aside. (Setting the value of a small one would move the caret.)
        if (el.value.length > EDITOR_MAX || largeWorkload !== null) setWorkload(el.value);
      }
      schedule();
    });
  }
  $('file').addEventListener('change', async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    metrics.pending = true;
    state.example = '';
    picker.value = '';
    setWorkload(await file.text());
    event.target.value = '';
    run();
  });
  $('clear-large').addEventListener('click', () => {
    setWorkload('');
    schedule(0);
  });
  $('share').addEventListener('click', async () => {
    await updateUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('Link copied.');
    } catch {
      setStatus('The link is in the address bar.');
    }
  });
  run();

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('sw.js').catch(() => {});
  }
}

start();
