// Not a test: a measurement of the Queues panel (npm run bench:queues) in
// Debian's Chromium, or with BENCH_ENGINE=webkit in WebKitGTK's MiniBrowser
// (the app's engine) driven by WebKitWebDriver under xvfb-run. 200 callers
// and 50 agents; each snapshot is a small, realistic change (every other one
// answers the queue's head, so 199 callers renumber; about 7 agents change
// state) and the waiting-time clocks tick as they do in the app. Per
// snapshot it prints p50 / p99 / max in ms of:
// - script: the panel's rAF callback;
// - frame: from that frame's start (its rAF timestamp) to the end of its
//   main-thread work (a message posted from the rAF callback runs once style,
//   layout and paint are done), as scripts/measure-app.sh's "that frame";
// - arrival → frame end: from the snapshot's emit to that same point;
// and, in Chromium, its traced style, layout and paint per frame (every
// frame of the run, clock ticks included). The target (16 ms p99
// from event to paint) is measured in the real app; this is for comparing
// two versions of the panel on one machine.

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { distDir, emit, harnessScript, launchBrowser, openApp, serveDist } from "./support.mjs";

const SNAPSHOTS = Number(process.env.SNAPSHOTS ?? 400);
const ENGINE = process.env.BENCH_ENGINE ?? "chromium";
const ACTIONS = ["pickup", "park", "retrieve", "queue_pause", "queue_member", "voicemail"];
const SHELL = {
  get_status: { connection: { state: "connected", message: "" }, demo: false, extensions: ["1001"] },
  get_presence: [], list_live_calls: [], search_history: [], list_missed: { rows: [], older: false }, search_contacts: [], search_sms: [],
  get_settings: {
    profile: "freePbx", host: "pbx.local", port: 5038, tls: false, amiUser: "ringside", hasSecret: true, extensions: ["1001"], watchedGroups: [],
    countryCode: "1", trunkPrefix: "", crmUrlTemplate: "", popupPosition: "bottomRight", popupDurationSecs: 20,
    notifications: false, notifyWithPopup: false, startWithOs: false, gsmSpan: 1, recallAfterSecs: 20, watchedQueues: [],
  },
  get_console: { parked: [], queues: [], voicemail: [], offers: ACTIONS.map((action) => ({ action, allowed: true, why: null })) },
};

/**
 * Runs in the page: emits `count` snapshots (the first one before timing)
 * and times each one's frame. Self-contained, as it is sent as source.
 */
async function measure(count) {
  const now = Date.now();
  const caller = (n, position) => ({
    call: `q-${n}`, uniqueid: `u${n}`, channel: null, position, caller_num: `+1555${n}`, caller_name: `Caller ${n}`, joined_ms: now - 600_000 + n * 1000,
  });
  const member = (i, state) => ({
    interface: `PJSIP/${2000 + i}`, name: `Agent ${i}`, extension: String(2000 + i), state, paused: false, paused_reason: null, in_call: false, calls_taken: i,
  });
  let head = 1;
  const snapshot = (k) => {
    if (k % 2 === 0) head++;
    const callers = Array.from({ length: 200 }, (_, i) => caller(head + i, i + 1));
    const members = Array.from({ length: 50 }, (_, i) => member(i, (i + k) % 7 === 0 ? "in_use" : "not_in_use"));
    return [{ name: "support", callers, members, summary: null }];
  };
  const raf = window.requestAnimationFrame.bind(window);
  await window.__ringside.emit("ringside://queues", snapshot(0));
  await new Promise((r) => raf(() => raf(() => r())));
  const script = [];
  const frame = [];
  const arrival = [];
  let emitted = 0;
  let done = null;
  // Times every rAF callback: the panel paints in one. A message posted
  // from it is handled after the frame's style, layout and paint.
  window.requestAnimationFrame = (cb) =>
    raf((ts) => {
      const start = performance.now();
      cb(ts);
      script.push(performance.now() - start);
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const end = performance.now();
        frame.push(end - ts);
        arrival.push(end - emitted);
        done?.();
      };
      channel.port2.postMessage(null);
    });
  for (let k = 1; k < count; k++) {
    const s = snapshot(k);
    const painted = new Promise((r) => (done = r));
    emitted = performance.now();
    await window.__ringside.emit("ringside://queues", s);
    await painted;
    done = null;
    // The next snapshot comes a little later, as the shell's 100 ms coalescing spaces them.
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  return { script, frame, arrival };
}

/** p50 / p99 / max of a list of ms, rounded to 0.01. */
function stats(list) {
  const s = [...list].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(s[Math.floor(s.length / 2)]), p99: r(s[Math.floor(s.length * 0.99)]), max: r(s.at(-1)) };
}

/** Chromium's main-thread rendering work per frame (the task that runs its rAF callbacks, style, layout and paint), from a devtools.timeline trace. */
function renderingPerFrame(trace) {
  const events = JSON.parse(trace.toString()).traceEvents.filter((e) => e.ph === "X");
  const KIND = { UpdateLayoutTree: "style", Layout: "layout", PrePaint: "paint", Paint: "paint", Layerize: "paint", UpdateLayer: "paint", Commit: "paint" };
  const frames = new Map();
  const tasks = events.filter((e) => e.name === "RunTask").sort((a, b) => a.ts - b.ts);
  for (const e of events) {
    const kind = KIND[e.name];
    if (!kind) continue;
    const task = tasks.findLast((t) => t.pid === e.pid && t.tid === e.tid && t.ts <= e.ts && e.ts + e.dur <= t.ts + t.dur);
    if (!task) continue;
    const frame = frames.get(task) ?? { style: 0, layout: 0, paint: 0 };
    frame[kind] += e.dur / 1000;
    frames.set(task, frame);
  }
  const busy = [...frames.values()].filter((f) => f.style + f.layout > 0);
  return {
    style: stats(busy.map((f) => f.style)),
    layout: stats(busy.map((f) => f.layout)),
    paint: stats(busy.map((f) => f.paint)),
    all: stats(busy.map((f) => f.style + f.layout + f.paint)),
  };
}

function report(ms) {
  console.log(`Queues panel in ${ENGINE}, 200 callers and 50 agents, ms per snapshot:`);
  console.log(`  script (the panel's rAF callback)     ${JSON.stringify(stats(ms.script))}`);
  console.log(`  frame (its start → main thread done)  ${JSON.stringify(stats(ms.frame))}`);
  console.log(`  arrival → frame end                   ${JSON.stringify(stats(ms.arrival))}`);
}

async function inChromium() {
  const server = await serveDist();
  const browser = await launchBrowser();
  try {
    const { page } = await openApp(browser, server.url, "index.html", SHELL, { width: 1100, height: 900 });
    await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline"] });
    const ms = await page.evaluate(measure, SNAPSHOTS);
    const trace = await browser.stopTracing();
    report(ms);
    console.log("Chromium's trace, main-thread rendering per frame (ticks included):");
    for (const [k, v] of Object.entries(renderingPerFrame(trace))) console.log(`  ${k.padEnd(7)} ${JSON.stringify(v)}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * WebKitGTK has no init scripts: the page is served with the mocked shell's
 * responses and tests/harness.ts as two same-origin scripts ahead of the
 * app's (the CSP allows 'self'), and driven over WebDriver.
 */
async function inWebKit() {
  const harness = await harnessScript();
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const send = (type, body) => res.writeHead(200, { "content-type": type, "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:" }).end(body);
    if (path === "/__responses.js") return send("text/javascript", `window.__RINGSIDE_MOCK_RESPONSES__ = ${JSON.stringify(SHELL)};`);
    if (path === "/__harness.js") return send("text/javascript", harness);
    try {
      if (path === "/" || path === "/index.html") {
        const html = await readFile(join(distDir, "index.html"), "utf8");
        return send("text/html", html.replace("<head>", '<head><script src="/__responses.js"></script><script src="/__harness.js"></script>'));
      }
      const body = await readFile(join(distDir, path.replace(/^\/+/, "").replace(/\.\./g, "")));
      send(path.endsWith(".css") ? "text/css" : "text/javascript", body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const port = 4000 + Math.floor(Math.random() * 1000);
  const driver = spawn("xvfb-run", ["-a", "-s", "-screen 0 1280x1024x24", "WebKitWebDriver", `--port=${port}`], { stdio: "ignore", detached: true });
  const wd = async (method, path, body) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const json = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  };
  try {
    let session;
    for (let i = 0; !session; i++) {
      try {
        session = await wd("POST", "/session", {
          capabilities: { alwaysMatch: { "webkitgtk:browserOptions": { binary: "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser", args: ["--automation"] } } },
        });
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const s = `/session/${session.sessionId}`;
    await wd("POST", `${s}/window/rect`, { width: 1100, height: 900 });
    await wd("POST", `${s}/timeouts`, { script: 600_000 });
    await wd("POST", `${s}/url`, { url: `http://127.0.0.1:${server.address().port}/index.html` });
    await wd("POST", `${s}/execute/async`, {
      script: "const done = arguments[0]; const wait = () => document.body.dataset.ready === 'true' ? done() : setTimeout(wait, 50); wait();",
      args: [],
    });
    const ms = await wd("POST", `${s}/execute/async`, { script: `const done = arguments[1]; (${measure})(arguments[0]).then(done);`, args: [SNAPSHOTS] });
    report(ms);
    await wd("DELETE", s);
  } finally {
    process.kill(-driver.pid);
    server.close();
  }
}

await (ENGINE === "webkit" ? inWebKit() : inChromium());
