// The playground's budgets, measured (not asserted): the wasm's size raw and gzipped, the time
// from page load to the first injection on screen, and the 10,000-Deployment file injected in
// the page: how long it takes, how often progress is shown, and the longest the page's own
// thread is kept from drawing a frame meanwhile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { PLAYGROUND_DIR, launch, missing, open, paste, serve } from './support.mjs';

const WORKLOADS = Number(process.env.PLAYGROUND_WORKLOADS ?? 10000);
const LOADS = 3;

// The Deployment of kube-inject's throughput bench (kube-inject/benches/throughput.rs).
function deployment(index) {
  const name = `svc-${String(index).padStart(5, '0')}`;
  const team = index % 40;
  const version = (index % 7) + 1;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: team-${team}
  labels:
    app: ${name}
    version: v${version}
    team: team-${team}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: ${name}
        version: v${version}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: ${name}
      containers:
      - name: app
        image: registry.example.com/team-${team}/${name}:1.${version}.0
        imagePullPolicy: IfNotPresent
        ports:
        - name: http
          containerPort: 8080
        - name: metrics
          containerPort: 9090
        env:
        - name: LOG_LEVEL
          value: info
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: DATABASE_URL
          valueFrom:
            secretKeyRef:
              name: ${name}-db
              key: url
        - name: FEATURE_FLAGS
          value: checkout,search,recommendations
        readinessProbe:
          httpGet:
            path: /ready
            port: http
          periodSeconds: 5
        livenessProbe:
          httpGet:
            path: /healthz
            port: 8080
          initialDelaySeconds: 10
        resources:
          requests:
            cpu: 250m
            memory: 256Mi
          limits:
            cpu: "1"
            memory: 512Mi
        volumeMounts:
        - name: config
          mountPath: /etc/${name}
        - name: logs
          mountPath: /var/log/app
      - name: log-shipper
        image: registry.example.com/platform/log-shipper:2.4.1
        args: ["--path=/var/log/app", "--format=json"]
        resources:
          requests:
            cpu: 50m
            memory: 64Mi
        volumeMounts:
        - name: logs
          mountPath: /var/log/app
          readOnly: true
      volumes:
      - name: config
        configMap:
          name: ${name}-config
      - name: logs
        emptyDir: {}
---
`;
}

const why = missing();
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}

const mib = (bytes) => `${(bytes / 1048576).toFixed(2)} MiB`;
const wasm = readFileSync(join(PLAYGROUND_DIR, 'pkg', 'web_bg.wasm'));
const glue = readFileSync(join(PLAYGROUND_DIR, 'pkg', 'web.js'));
console.log(`wasm: ${wasm.length} bytes (${mib(wasm.length)}), gzipped ${gzipSync(wasm, { level: 9 }).length} bytes (${mib(gzipSync(wasm, { level: 9 }).length)}); JS glue ${glue.length} bytes`);

const server = await serve();
try {
  const firsts = [];
  for (let i = 0; i < LOADS; i += 1) {
    const browser = await launch(); // a fresh profile: nothing cached
    try {
      const page = await open(browser.context, server.url);
      firsts.push(await page.evaluate(() => window.playground.firstInjectionMs));
    } finally {
      await browser.close();
    }
  }
  firsts.sort((a, b) => a - b);
  console.log(`first injection after page load (fresh profile, ${LOADS} loads): median ${Math.round(firsts[Math.floor(LOADS / 2)])} ms, all ${firsts.map(Math.round).join(', ')} ms`);

  const input = Array.from({ length: WORKLOADS }, (_, i) => deployment(i)).join('');
  const browser = await launch();
  try {
    const page = await open(browser.context, server.url);
    await page.evaluate(() => {
      // The longest gap between two frames the page drew, and the progress shown.
      window.budget = { maxFrameGap: 0, progress: 0, frames: 0 };
      let last = performance.now();
      const frame = (now) => {
        window.budget.maxFrameGap = Math.max(window.budget.maxFrameGap, now - last);
        window.budget.frames += 1;
        last = now;
        if (!window.budget.stop) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      new MutationObserver(() => { window.budget.progress += 1; })
        .observe(document.getElementById('progress'), { attributes: true, attributeFilter: ['value'] });
    });
    const started = Date.now();
    await paste(page, '#workload', input, 900_000);
    const elapsed = Date.now() - started;
    const result = await page.evaluate(() => {
      window.budget.stop = true;
      return {
        ...window.budget,
        status: document.getElementById('status').textContent,
        outputBytes: window.playground.lastOutput?.length ?? 0,
        injectedMs: window.playground.last.injectedMs,
      };
    });
    console.log(`${WORKLOADS} Deployments (${mib(input.length)} in, ${mib(result.outputBytes)} out): ${elapsed} ms from paste to result on screen (${Math.round(result.injectedMs)} ms injecting in the worker); status "${result.status}"`);
    console.log(`responsiveness: ${result.progress} progress updates, ${result.frames} frames drawn, longest gap between frames ${Math.round(result.maxFrameGap)} ms`);
  } finally {
    await browser.close();
  }
} finally {
  await server.close();
}
