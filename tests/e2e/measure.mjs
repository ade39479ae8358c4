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
//      network processes included) after that replay, with the UI open.
// Prints a JSON summary and writes it to artifacts/measure/summary.json.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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
// Which parts to run (comma-separated: start,background,stress) and how long
// the background run lasts: more seconds, more popups behind its p99.
const PARTS = (process.env.RINGSIDE_MEASURE_PARTS ?? "start,background,stress").split(",");
const BACKGROUND_SECONDS = Number(process.env.RINGSIDE_MEASURE_SECONDS ?? 45);
mkdirSync(ART, { recursive: true });
const TMP = mkdtempSync(join(tmpdir(), "ringside-measure-"));
const procs = new Processes(ART);
const start = (name, cmd, args, env) => procs.start(name, cmd, args, env);
const pbxsim = (name, extra) => procs.pbxsim(PBXSIM, name, SECRET, extra);

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
async function latencyAndMemory(mode, seconds = 45) {
  // Replay starts 10 s after the login: time for the WebDriver session and the listener.
  const extra = mode === "stress" ? [] : ["--loop", "--demo", "--demo-every", "1"];
  const watched = mode === "stress" ? "1001" : "1003";
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
    if (mode === "stress") {
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
    };
  } finally {
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
