// The app's working day (run by bench/app-soak, inside scripts/test-e2e.sh's
// Xvfb, private session bus, keyring and notification daemon): the release
// app, started by tauri-driver and watching 1001, against the simulated PBX
// playing its demo (calls, ring group, parks, queue callers, transfers,
// voicemail; texts as an OpenVox gateway) faster than real time, through
// RINGSIDE_SOAK_CALLS demo calls split into RINGSIDE_SOAK_HOURS "hours".
//
// At the start and after each hour's calls it samples the memory of the
// app's process tree (RSS, PSS, anonymous memory per process) and what the
// windows hold (rows of each list and panel, DOM nodes), and prints one
// JSON line. Then a summary with the verdict: the tree's PSS at the end
// within 10% of its value after the first hour, no list past the cap the
// app puts on it, and no live panel piling up (lists still filling up
// towards their cap and DOM nodes still growing are noted). Exits non-zero
// when the verdict fails. Everything also lands in
// artifacts/app-soak/ (samples.jsonl, summary.json, the processes' logs).
import { mkdirSync, mkdtempSync, writeFileSync, appendFileSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, waitFor, waitForDriver } from "../tests/e2e/webdriver.mjs";
import { Processes, findAppUnder, freePort, otherWebKit, processTree } from "../tests/e2e/procs.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const ART = join(ROOT, "artifacts/app-soak");
const APP = process.env.RINGSIDE_APP_BIN;
const PBXSIM = process.env.RINGSIDE_PBXSIM_BIN;
const DRIVER = process.env.TAURI_DRIVER_BIN;
const SECRET = "app-soak-secret";
const CALLS = Number(process.env.RINGSIDE_SOAK_CALLS ?? 3000);
const HOURS = Number(process.env.RINGSIDE_SOAK_HOURS ?? 8);
/** The demo's period at real time (s) and how many times faster it plays. */
const EVERY = Number(process.env.RINGSIDE_SOAK_EVERY ?? 4);
const SPEED = Number(process.env.RINGSIDE_SOAK_SPEED ?? 8);
/** The tree's PSS at the end may exceed its value after the first hour by this much. */
const PSS_TOLERANCE = 0.1;
/** A live panel (calls, parked calls, queue callers) holds at most this many rows at once. */
const LIVE_PANEL_MAX = 30;

mkdirSync(ART, { recursive: true });
const SAMPLES = join(ART, "samples.jsonl");
writeFileSync(SAMPLES, "");
const TMP = mkdtempSync(join(tmpdir(), "ringside-app-soak-"));
const DATA_DIR = join(TMP, "data");
const procs = new Processes(ART);

/** Rows of each list and panel of the main window, as she would scroll through them. */
const MAIN_COUNTS = `
  const n = (css) => document.querySelectorAll(css).length;
  return {
    nodes: document.getElementsByTagName("*").length,
    liveCalls: n('#live-calls [data-testid="live-call"]'),
    parked: n('[data-testid="parked-call"]'),
    queueCallers: n('[data-testid="queue-caller"]'),
    colleagues: n('[data-testid="colleague"]'),
    history: n("#history-rows > tr"),
    missed: n("#missed-rows > tr"),
    texts: n("#sms-rows > tr"),
  };`;

/** Cards in the popup window (shown or collapsed into "+N more"). */
const POPUP_COUNTS = `
  const n = (css) => document.querySelectorAll(css).length;
  return {
    nodes: document.getElementsByTagName("*").length,
    callCards: n('[data-testid="card"]'),
    textCards: n('[data-testid="sms-card"]'),
  };`;

/**
 * Lists that fill up over the day, with the cap the app puts on each:
 * [window, key, cap, what sets it]. They must never pass it.
 */
const CAPPED = [
  ["main", "history", 200, "HISTORY_LIMIT in ui/src/main/history.ts"],
  ["main", "texts", 200, "search_sms's 200 latest texts"],
  ["main", "missed", 500, "list_missed's 500 (the last 30 days)"],
  ["popup", "textCards", 10, "MAX_TEXT_CARDS in ui/src/popup.ts"],
];
/** Rows of what is live right now (calls, parked calls, queue callers, call cards): [window, key]. */
const LIVE = [
  ["main", "liveCalls"],
  ["main", "parked"],
  ["main", "queueCallers"],
  ["popup", "callCards"],
];

const mb = (kb) => Math.round(kb / 102.4) / 10;

function dirBytes(dir) {
  let total = 0;
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const f of entries) {
    const p = join(dir, f.name);
    total += f.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** The app's tree: each process's memory, WebKit's processes named by kind. */
function memory(appPid) {
  const tree = processTree(appPid);
  const sum = (k) => tree.reduce((a, r) => a + r[k], 0);
  const app = tree[0] ?? { rss: 0, pss: 0, anon: 0 };
  return {
    treePssMb: mb(sum("pss")),
    treeRssMb: mb(sum("rss")),
    // Private memory alone: PSS also moves when another program maps the
    // same libraries (a second WebKit app on the machine lowers it).
    treeAnonMb: mb(sum("anon")),
    treeUssMb: mb(sum("uss")),
    appPssMb: mb(app.pss),
    appRssMb: mb(app.rss),
    appAnonMb: mb(app.anon),
    appUssMb: mb(app.uss ?? 0),
    processes: tree.slice(1).map((r) => ({ pid: r.pid, comm: r.comm, pssMb: mb(r.pss), rssMb: mb(r.rss), anonMb: mb(r.anon), ussMb: mb(r.uss) })),
    otherWebKitProcesses: otherWebKit(appPid),
  };
}

/**
 * Counts each window's rows. The main window shows its Calls tab all day;
 * the History tab reloads its lists only while shown (ui/src/main/history.ts),
 * so she looks at it here, once an hour: its lists are counted as she would
 * see them, then she goes back to Calls.
 */
async function counts(session, handles) {
  const out = {};
  for (const [name, handle, script] of [
    ["main", handles.main, MAIN_COUNTS],
    ["popup", handles.popup, POPUP_COUNTS],
  ]) {
    await session.switchTo(handle);
    if (name === "main") {
      await session.click('[data-testid="tab-history"]');
      await waitFor("the History tab's lists to reload", 10_000, async () =>
        session.exec('return !document.getElementById("panel-history").hasAttribute("aria-busy");'),
      );
    }
    out[name] = await session.exec(script);
    if (name === "main") await session.click('[data-testid="tab-calls"]');
  }
  return out;
}

/**
 * The verdict over the samples (hour 0 first): the tree's PSS levels off,
 * no capped list passes its cap, no live panel piles up. Lists still
 * filling up towards their cap, and DOM nodes still growing over the last
 * quarter of the day, are reported as notes.
 */
function verdict(samples) {
  const first = samples.find((s) => s.hour === 1);
  const last = samples[samples.length - 1];
  const reasons = [];
  const notes = [];
  const growth = (last.treePssMb - first.treePssMb) / first.treePssMb;
  if (growth > PSS_TOLERANCE) {
    reasons.push(`the tree's PSS grew ${(growth * 100).toFixed(1)}% after the first hour (${first.treePssMb} → ${last.treePssMb} MB; at most ${PSS_TOLERANCE * 100}%)`);
  }
  const most = (win, key) => Math.max(...samples.map((s) => s.ui[win][key]));
  for (const [win, key, cap, why] of CAPPED) {
    if (most(win, key) > cap) reasons.push(`${win} ${key} reached ${most(win, key)} rows, over its cap of ${cap} (${why})`);
  }
  for (const [win, key] of LIVE) {
    if (most(win, key) > LIVE_PANEL_MAX) reasons.push(`${win} ${key} held ${most(win, key)} rows at once (the demo never has more than ${LIVE_PANEL_MAX} live)`);
  }
  const early = samples.filter((s) => s.hour <= Math.floor(HOURS * 0.75));
  const grew = (win, key) => last.ui[win][key] > Math.max(...early.map((s) => s.ui[win][key])) * 1.1 + 3;
  const hourOf = early[early.length - 1].hour;
  for (const [win, key, cap] of CAPPED) {
    if (grew(win, key)) notes.push(`${win} ${key} still filling up towards its cap of ${cap}: ${early[early.length - 1].ui[win][key]} at hour ${hourOf}, ${last.ui[win][key]} at the end`);
  }
  const shared = samples.filter((s) => s.otherWebKitProcesses > 0).map((s) => s.hour);
  if (shared.length > 0) {
    notes.push(`other WebKit processes ran on the machine at hour(s) ${shared.join(", ")}: they share libraries with the app's tree, so its PSS there reads low; the private memory (treeUssMb) is not affected`);
  }
  for (const win of ["main", "popup"]) {
    if (grew(win, "nodes")) notes.push(`${win} DOM nodes still growing: ${early[early.length - 1].ui[win].nodes} at hour ${hourOf}, ${last.ui[win].nodes} at the end`);
  }
  return {
    passed: reasons.length === 0,
    pssAfterFirstHourMb: first.treePssMb,
    pssAtEndMb: last.treePssMb,
    pssGrowthPercent: Math.round(growth * 1000) / 10,
    // Not judged (the target is PSS), but untouched by other programs.
    ussGrowthPercent: Math.round(((last.treeUssMb - first.treeUssMb) / first.treeUssMb) * 1000) / 10,
    reasons,
    notes,
  };
}

async function main() {
  for (const [k, v] of Object.entries({ RINGSIDE_APP_BIN: APP, RINGSIDE_PBXSIM_BIN: PBXSIM, TAURI_DRIVER_BIN: DRIVER })) {
    if (!v) throw new Error(`${k} is not set; run bench/app-soak`);
  }
  const perHour = Math.round(CALLS / HOURS);
  const period = (EVERY * 1000) / SPEED;
  const demo = ["--openvox", "--demo", "--demo-every", String(EVERY), "--demo-speed", String(SPEED)];
  const { pbx, addr } = await procs.pbxsim(PBXSIM, "pbxsim", SECRET, demo);
  // pbxsim's demo loop: its first call min(period, 2 s) after the start, then one every period.
  const firstCallAt = Date.now() + Math.min(period, 2000);
  const port = await freePort();
  const nativePort = await freePort();
  const driver = procs.start("driver", DRIVER, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    RINGSIDE_AMI_SECRET: SECRET,
    RINGSIDE_CONFIG_DIR: join(TMP, "config"),
    RUST_LOG: process.env.RUST_LOG ?? "info",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  const session = await Session.create(base, {
    alwaysMatch: { "tauri:options": { application: APP, args: ["--pbx", addr, "--user", "ringside", "--extension", "1001", "--data-dir", DATA_DIR] } },
  });
  const samples = [];
  try {
    await waitFor("the app to log Connected", 60_000, async () => driver.lines.some((l) => /state=Connected/.test(l)));
    const handles = { popup: await session.switchToPage("popup.html"), main: await session.switchToPage("index.html") };
    const appPid = await waitFor("the ringside-app process", 10_000, async () => findAppUnder(driver.pid));
    const t0 = Date.now();
    for (let hour = 0; hour <= HOURS; hour++) {
      // Just after the hour's last call started.
      const at = hour === 0 ? Date.now() : firstCallAt + (hour * perHour - 1) * period + period / 2;
      if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
      if (pbx.exitCode !== null) throw new Error(`the simulated PBX stopped (exit ${pbx.exitCode})`);
      const ui = await counts(session, handles);
      const sample = {
        hour,
        callsStarted: Math.max(0, Math.floor((Date.now() - firstCallAt) / period) + 1),
        callsSaved: driver.lines.filter((l) => l.includes("call saved to history")).length,
        elapsedS: Math.round((Date.now() - t0) / 100) / 10,
        ...memory(appPid),
        ui,
        dataDirMb: Math.round(dirBytes(DATA_DIR) / 1e5) / 10,
      };
      samples.push(sample);
      appendFileSync(SAMPLES, JSON.stringify(sample) + "\n");
      console.log(JSON.stringify(sample));
    }
    const summary = {
      app: APP,
      calls: CALLS,
      hours: HOURS,
      callsPerHour: perHour,
      demo: { everyS: EVERY, speed: SPEED, periodMs: period },
      errorsInLog: driver.lines.filter((l) => /\bERROR\b/.test(l)).length,
      verdict: verdict(samples),
    };
    writeFileSync(join(ART, "summary.json"), JSON.stringify(summary, null, 2));
    console.log(JSON.stringify(summary, null, 2));
    return summary.verdict.passed;
  } finally {
    await session.delete();
    driver.kill("SIGTERM");
    pbx.kill();
  }
}

main()
  .then((passed) => {
    procs.killAll();
    process.exit(passed ? 0 : 1);
  })
  .catch((e) => {
    console.error(`[app-soak] FAIL: ${e.message}`);
    procs.killAll();
    process.exit(2);
  });
