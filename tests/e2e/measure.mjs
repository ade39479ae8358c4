// Measures the real app (run by scripts/measure-app.sh, inside Xvfb and a
// private session bus with a keyring and a notification daemon):
//   1. start → "Connected" against a local ringside-pbxsim (5 cold starts):
//      from spawning the process to the log line where the shell publishes
//      the Connected state to the windows;
//   2. DialBegin → popup UI event latency while the simulated PBX streams the
//      busy-hour capture at 5,000 events/s: the popup window's own listener
//      records when each `ringside://card` popup event arrives, against the
//      card's `at_ms`, which is the AMI client's receive stamp of the
//      DialBegin packet (both wall clock, millisecond resolution, so each
//      figure is within ±1 ms);
//      and, from the app's debug log, the shell's part of it: DialBegin
//      received → card handed to the popup's webview (`shellMs`);
//   3. RSS of the ringside-app process and of its whole tree (WebKit web and
//      network processes included) after that replay, with the UI open;
//   4. the Queues panel (issue 16): 200 callers waiting in `support` and its
//      50 agents taking calls, while the busy-hour capture streams at 5,000
//      events/s around them: for each `ringside://queues` snapshot, from its
//      arrival in the main window's page to the end of the first frame that
//      shows it (its waiting callers on screen, in order), against the
//      16 ms of one frame; how long those frames took, and the page's
//      script (the panel's render) in them; and how long each snapshot
//      waited for the frame that paints it (the display refreshes every
//      16.7 ms, so a snapshot painted by the first frame after its arrival
//      waited less than that: `paintedByFirstFrame` counts them).
//   5. (issue 19) part 2's stress run again with a company directory that
//      accepts connections and never answers (`deadDirectory`): the popup
//      must not wait for it, so its latency is compared with part 2's.
// Prints a JSON summary and writes it to artifacts/measure/summary.json.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, waitFor, waitForDriver } from "./webdriver.mjs";
import { Processes, findAppUnder, freePort, quantile, treeRss } from "./procs.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const ART = join(ROOT, "artifacts/measure");
const APP = process.env.RINGSIDE_APP_BIN;
const PBXSIM = process.env.RINGSIDE_PBXSIM_BIN;
const DRIVER = process.env.TAURI_DRIVER_BIN;
const BUSY = join(ROOT, "tests/fixtures/ami/busy-hour.ami.gz");
const SECRET = "measure-secret";
const RATE = Number(process.env.RINGSIDE_MEASURE_RATE ?? 5000);
// Which parts to run (comma-separated: start,background,stress,queues) and
// how long the background and queues runs last: more seconds, more samples
// behind their p99.
const PARTS = (process.env.RINGSIDE_MEASURE_PARTS ?? "start,background,stress,queues,deaddir").split(",");
const BACKGROUND_SECONDS = Number(process.env.RINGSIDE_MEASURE_SECONDS ?? 45);
/** One refresh of a 60 Hz display, which WebKit's frames follow. */
const REFRESH_MS = 1000 / 60;

/** The Queues panel's load: callers waiting, agents, and how long each caller waits before giving up. */
const QUEUE_CALLERS = 200;
const QUEUE_AGENTS = 50;
const QUEUE_WAIT_SECONDS = 40;
mkdirSync(ART, { recursive: true });
const TMP = mkdtempSync(join(tmpdir(), "ringside-measure-"));
const procs = new Processes(ART);
const start = (name, cmd, args, env) => procs.start(name, cmd, args, env);
const pbxsim = (name, extra, opts) => procs.pbxsim(PBXSIM, name, SECRET, extra, opts);

async function startToConnected(runs = 5) {
  const { pbx, addr } = await pbxsim("pbxsim-start", []);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const app = start(`app-start-${i}`, APP, ["--pbx", addr, "--user", "ringside", "--extension", "1001", "--data-dir", join(TMP, `start-${i}`)], {
      RINGSIDE_AMI_SECRET: SECRET,
      RINGSIDE_CONFIG_DIR: join(TMP, `start-cfg-${i}`),
      RUST_LOG: "info",
    });
    const line = await waitFor("the app to log Connected", 30_000, async () => app.lines.find((l) => /state=Connected/.test(l)));
    const ts = Date.parse(line.split(/\s+/)[0]);
    times.push(ts - t0);
    // Wait for the exit: a second instance would hand over to the first (single instance).
    const exited = new Promise((r) => app.on("exit", r));
    app.kill("SIGTERM");
    await exited;
    await new Promise((r) => setTimeout(r, 300));
  }
  pbx.kill();
  return { runsMs: times, medianMs: quantile(times, 0.5), maxMs: Math.max(...times) };
}

/**
 * `stress`: every one of the busy-hour's 300 calls rings the watched 1001, so
 * popups come at about 50/s inside the 5,000 events/s stream.
 * `background`: the busy-hour loops at 5,000 events/s as background traffic
 * (its calls ring 1001 and 1002) while the simulator's demo calls ring the
 * watched 1003 (ring group and queue) about every 3.5 s, for `seconds`.
 */
/**
 * A company directory that accepts every connection and never says a word:
 * the worst a directory can do to a popup. Its address goes into the app's
 * settings file in `configDir`.
 */
async function deadDirectory(configDir) {
  const held = [];
  const server = createServer((socket) => held.push(socket));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  mkdirSync(configDir, { recursive: true });
  const url = `ldap://127.0.0.1:${server.address().port}`;
  writeFileSync(join(configDir, "settings.json"), JSON.stringify({ directory: { url, baseDn: "dc=example,dc=com" } }));
  return { url, close: () => { for (const s of held) s.destroy(); server.close(); } };
}

async function latencyAndMemory(mode, seconds = 45) {
  // Replay starts 10 s after the login: time for the WebDriver session and the listener.
  const stress = mode === "stress" || mode === "deaddir";
  const extra = stress ? [] : ["--loop", "--demo", "--demo-every", "1"];
  const watched = stress ? "1001" : "1003";
  const dead = mode === "deaddir" ? await deadDirectory(join(TMP, `busy-cfg-${mode}`)) : null;
  const { pbx, addr } = await pbxsim(`pbxsim-${mode}`, ["--replay", BUSY, "--rate", String(RATE), "--start-delay-ms", "10000", ...extra]);
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start(`driver-${mode}`, DRIVER, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    RINGSIDE_AMI_SECRET: SECRET,
    RINGSIDE_CONFIG_DIR: join(TMP, `busy-cfg-${mode}`),
    // ringside_app=debug logs each popup's dispatch (`behind_ms`): the shell's
    // part of the latency, reported apart from WebKit's delivery.
    RUST_LOG: process.env.RUST_LOG ?? "info,ringside_app=debug",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  const session = await Session.create(base, {
    alwaysMatch: { "tauri:options": { application: APP, args: ["--pbx", addr, "--user", "ringside", "--extension", watched, "--data-dir", join(TMP, `busy-data-${mode}`)] } },
  });
  try {
    await session.switchToPage("popup.html");
    await session.exec(`
      window.__lat = [];
      window.__arrivals = [];
      // Stalls of the popup's main thread (painting, script): an event that
      // arrives during one waits for its end.
      window.__gaps = [];
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        if (now - last > 12) window.__gaps.push([Date.now(), Math.round(now - last)]);
        last = now;
      }, 4);
      const T = window.__TAURI_INTERNALS__;
      // Cards on screen when a popup arrives: 0 means the window was hidden.
      const open = new Set();
      const cb = T.transformCallback((event) => {
        const p = event.payload;
        if (p && p.type === "popup") {
          const now = Date.now();
          window.__lat.push(now - p.at_ms);
          window.__arrivals.push([p.call, p.at_ms, now, open.size]);
          open.add(p.call);
        } else if (p && (p.type === "call_end" || (p.type === "close" && p.reason !== "answered"))) {
          open.delete(p.call);
        }
      });
      return T.invoke("plugin:event|listen", { event: "ringside://card", target: { kind: "Any" }, handler: cb });
    `);
    if (stress) {
      let last = -1;
      let stableSince = Date.now();
      await waitFor("the busy-hour replay to finish", 120_000, async () => {
        const n = await session.exec("return window.__lat.length;");
        if (n !== last) {
          last = n;
          stableSince = Date.now();
        }
        return n > 0 && Date.now() - stableSince > 4000;
      }, 500);
    } else {
      await new Promise((r) => setTimeout(r, (10 + seconds) * 1000));
    }
    const lat = await session.exec("return window.__lat;");
    writeFileSync(join(ART, `latency-samples-${mode}.json`), JSON.stringify(lat));
    const detail = await session.exec("return { arrivals: window.__arrivals, gaps: window.__gaps };");
    writeFileSync(join(ART, `latency-detail-${mode}.json`), JSON.stringify(detail));
    const stalls = detail.gaps.map(([, ms]) => ms);
    // The shell's part: DialBegin received → card handed to the popup's
    // webview (the app's debug line), for the popups the page heard.
    const heard = new Set(detail.arrivals.map(([call]) => call));
    const shell = driver.lines
      .map((l) => /DEBUG popup call=(\S+) behind_ms=(-?\d+)/.exec(l))
      .filter((m) => m && heard.has(m[1]))
      .map((m) => Number(m[2]));
    await new Promise((r) => setTimeout(r, 2000));
    const appPid = findAppUnder(driver.pid);
    const mem = appPid ? treeRss(appPid) : null;
    return {
      mode,
      watched,
      popups: lat.length,
      rateEventsPerSecond: RATE,
      latencyMs: { p50: quantile(lat, 0.5), p90: quantile(lat, 0.9), p99: quantile(lat, 0.99), max: Math.max(...lat) },
      shellMs: shell.length ? { popups: shell.length, p50: quantile(shell, 0.5), p90: quantile(shell, 0.9), p99: quantile(shell, 0.99), max: Math.max(...shell) } : null,
      popupStallsOver12Ms: { count: stalls.length, p50: quantile(stalls, 0.5) ?? 0, max: Math.max(0, ...stalls) },
      rssKb: mem,
      directory: dead ? { url: dead.url, answers: "never" } : null,
    };
  } finally {
    dead?.close();
    await session.delete();
    driver.kill("SIGTERM");
    pbx.kill();
  }
}

/**
 * Instruments the main window: for each `ringside://queues` snapshot, its
 * arrival, and the end of the first frame after which the `support` queue
 * on screen lists the newest snapshot's callers in order (a snapshot
 * overtaken by a newer one counts as shown with it); and the time each of
 * those frames took from its animation-frame callbacks to its end.
 */
const QUEUE_PROBE = `
  window.__queues = [];
  // The page's own part of each frame: its animation-frame callbacks (the
  // panel paints in one), by frame; the rest of a frame is WebKit's style,
  // layout and painting.
  const script = new Map();
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) =>
    raf((ts) => {
      const t = performance.now();
      cb(ts);
      script.set(ts, (script.get(ts) ?? 0) + performance.now() - t);
    });
  window.__gaps = [];
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > 12) window.__gaps.push(Math.round(now - last));
    last = now;
  }, 4);
  const keysOf = (q) => (q ? [...q.callers].sort((a, b) => a.position - b.position).map((c) => c.call || c.uniqueid) : []);
  // The panel draws only the callers its list's view shows (and a margin):
  // the snapshot is on screen when the list counts all of its callers and
  // every drawn row is the caller the snapshot has at that place.
  const onScreen = () => {
    const list = document.querySelector('[data-queue="support"] [data-testid="queue-callers"]');
    if (!list) return newest.length === 0;
    const first = Number(list.dataset.first ?? 0);
    const drawn = [...list.querySelectorAll('[data-testid="queue-caller"]')].map((li) => li.dataset.call);
    return Number(list.dataset.total ?? 0) === newest.length && (drawn.length > 0 || newest.length === 0) && drawn.every((k, i) => k === newest[first + i]);
  };
  const pending = [];
  let newest = [];
  let watching = false;
  const afterFrame = (frameStart) => {
    if (script.size > 100) script.clear();
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      const now = performance.now();
      if (!onScreen()) {
        requestAnimationFrame(afterFrame);
        return;
      }
      const scriptMs = script.get(frameStart) ?? 0;
      script.clear();
      for (const p of pending.splice(0)) window.__queues.push([now - p.at, now - frameStart, p.waiting, p.members, scriptMs]);
      watching = false;
    };
    ch.port2.postMessage(0);
  };
  const T = window.__TAURI_INTERNALS__;
  const cb = T.transformCallback((event) => {
    const q = (event.payload || []).find((x) => x.name === "support");
    newest = keysOf(q);
    pending.push({ at: performance.now(), waiting: q ? q.callers.length : 0, members: q ? q.members.length : 0 });
    if (!watching) {
      watching = true;
      requestAnimationFrame(afterFrame);
    }
  });
  return T.invoke("plugin:event|listen", { event: "ringside://queues", target: { kind: "Any" }, handler: cb });
`;

/** A caller for the simulator's `--calls-from-stdin`, waiting `secs` in `support`. */
const queueCaller = (n, secs) =>
  `from=+1312555${String(n % 10000).padStart(4, "0")},name=Caller ${n},did=5550700,queue=support,ring=${secs}\n`;

/**
 * `queues`: 200 callers wait in `support` (the first ones leave 5 a second
 * over 40 s while as many new ones join, so the count holds), its 50
 * agents (2001-2050) take calls in turn, and the busy-hour capture loops at
 * 5,000 events/s; the main window shows every queue.
 */
async function queuePanel(seconds) {
  const agents = `2001-${2000 + QUEUE_AGENTS}`;
  const { pbx, addr } = await pbxsim(
    "pbxsim-queues",
    ["--replay", BUSY, "--rate", String(RATE), "--loop", "--start-delay-ms", "10000", "--queue", `support=${agents}`, "--calls-from-stdin"],
    { stdin: true },
  );
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start("driver-queues", DRIVER, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    RINGSIDE_AMI_SECRET: SECRET,
    RINGSIDE_CONFIG_DIR: join(TMP, "queues-cfg"),
    RUST_LOG: process.env.RUST_LOG ?? "info",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  const session = await Session.create(base, {
    alwaysMatch: { "tauri:options": { application: APP, args: ["--pbx", addr, "--user", "ringside", "--extension", "1003", "--data-dir", join(TMP, "queues-data")] } },
  });
  let churn;
  try {
    await session.switchToPage("index.html");
    await waitFor("the main window to say Connected", 30_000, async () =>
      (await session.exec("return document.querySelector('[data-testid=\"connection\"]')?.dataset.state ?? '';")) === "connected",
    );
    await session.exec(QUEUE_PROBE);
    // The first callers leave 5 a second; each 200 ms a new caller (waiting
    // 40 s) joins and an agent gets a call (ringing 1 s, talking 4 s).
    const perSecond = QUEUE_CALLERS / QUEUE_WAIT_SECONDS;
    let next = 0;
    for (; next < QUEUE_CALLERS; next++) pbx.stdin.write(queueCaller(next, 1 + Math.floor(next / perSecond)));
    let agent = 0;
    churn = setInterval(() => {
      pbx.stdin.write(queueCaller(next++, QUEUE_WAIT_SECONDS));
      pbx.stdin.write(`from=+1212555${String(agent).padStart(4, "0")},name=Customer ${agent},did=5550700,to=${2001 + (agent++ % QUEUE_AGENTS)},ring=1,talk=4\n`);
    }, 1000 / perSecond);
    await waitFor(`${QUEUE_CALLERS} callers in the panel`, 60_000, async () =>
      Number(await session.exec("return document.querySelector('[data-queue=\"support\"] [data-testid=\"queue-callers\"]')?.dataset.total ?? 0;")) >= QUEUE_CALLERS * 0.95,
    );
    // From here on every snapshot counts: the replay is streaming (10 s after the login) and the queue is full.
    await session.exec("window.__queues.length = 0; window.__gaps.length = 0;");
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const samples = await session.exec("return window.__queues;");
    const gaps = await session.exec("return window.__gaps;");
    writeFileSync(join(ART, "queue-samples.json"), JSON.stringify({ samples, gaps }));
    const shown = samples.map(([ms]) => ms);
    const frames = samples.map(([, ms]) => ms);
    const waiting = samples.map(([, , w]) => w);
    const scripts = samples.map(([, , , , ms]) => ms);
    // Arrival to the start of the frame that painted it.
    const waits = samples.map(([shown, frame]) => shown - frame);
    const r = (x) => Math.round(x * 10) / 10;
    const stats = (xs) => (xs.length ? { p50: r(quantile(xs, 0.5)), p90: r(quantile(xs, 0.9)), p99: r(quantile(xs, 0.99)), max: r(Math.max(...xs)) } : null);
    const appPid = findAppUnder(driver.pid);
    return {
      rateEventsPerSecond: RATE,
      seconds,
      snapshots: samples.length,
      waiting: { min: Math.min(...waiting), max: Math.max(...waiting) },
      agents: Math.max(0, ...samples.map(([, , , m]) => m)),
      arrivalToPaintedMs: stats(shown),
      frameMs: stats(frames),
      frameScriptMs: stats(scripts),
      withinOneFrame: shown.filter((ms) => ms <= 16).length,
      waitForFrameMs: stats(waits),
      paintedByFirstFrame: waits.filter((ms) => ms <= REFRESH_MS).length,
      mainStallsOver12Ms: { count: gaps.length, p50: quantile(gaps, 0.5) ?? 0, max: Math.max(0, ...gaps) },
      rssKb: appPid ? treeRss(appPid) : null,
    };
  } finally {
    clearInterval(churn);
    await session.delete();
    driver.kill("SIGTERM");
    pbx.kill();
  }
}

async function main() {
  for (const [k, v] of Object.entries({ RINGSIDE_APP_BIN: APP, RINGSIDE_PBXSIM_BIN: PBXSIM, TAURI_DRIVER_BIN: DRIVER })) {
    if (!v) throw new Error(`${k} is not set; run scripts/measure-app.sh`);
  }
  const summary = {
    app: APP,
    startToConnected: PARTS.includes("start") ? await startToConnected() : null,
    background: PARTS.includes("background") ? await latencyAndMemory("background", BACKGROUND_SECONDS) : null,
    stress: PARTS.includes("stress") ? await latencyAndMemory("stress") : null,
    queues: PARTS.includes("queues") ? await queuePanel(BACKGROUND_SECONDS) : null,
    deadDirectory: PARTS.includes("deaddir") ? await latencyAndMemory("deaddir") : null,
  };
  writeFileSync(join(ART, "summary.json"), JSON.stringify(summary, null, 2));
  console.log(JSON.stringify(summary, null, 2));
}

main()
  .then(() => {
    procs.killAll();
    process.exit(0);
  })
  .catch((e) => {
    console.error(`[measure] FAIL: ${e.message}`);
    procs.killAll();
    process.exit(1);
  });
