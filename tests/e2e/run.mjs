// The real Ringside app end to end (run by scripts/test-e2e.sh, inside Xvfb
// and a private session bus with an unlocked gnome-keyring and a
// notification daemon).
//
// Phase 1: the app is started by tauri-driver with `--pbx` pointing at the
// simulated PBX replaying tests/fixtures/ami/incoming-answered.ami (paced, so
// the app is connected and the call is still live when the test acts):
//   - the popup window shows "ACME Corp" and "+15551234567";
//   - transfer to 1002 from the popup makes the PBX receive a Redirect or
//     BlindTransfer of the caller's channel (PJSIP/carrier-...) to 1002;
//   - the call lands in the main window's history;
//   - no desktop notification duplicates the popup (it covered the popup's
//     caller number when both sat top right); with "as well as the popup"
//     saved in Settings, the SMS phase's text does get one on the bus;
//   - the app process loaded no GL driver (Mesa, LLVM) to paint its windows;
//   - the AMI secret is saved through Settings into the Secret Service.
// Phase 2: the app starts again WITHOUT the secret in its environment and
// logs in with the saved settings, so the secret was read back from the
// Secret Service; while it runs (WAL file present), no file it wrote holds
// the secret.
// Phase SMS: the simulated PBX as an OpenVox gateway announces a text; it
// shows as a card in the popup and in History, and a reply typed in the
// popup reaches the gateway as `gsm send sms` with the exact text.
// Phase console (tests/e2e/console.mjs, issue 16): with its own simulated
// PBX and app, a call parked from its popup shows in the Parked calls
// panel and is retrieved with a click (Park and the Originate to the space
// in the lot's context reach the PBX), and a blind transfer to 1002 that
// 1002 does not answer within the recall time saved in Settings comes back:
// one Redirect of the caller to 1001, and the popup says "Back from 1002:
// not answered" with the voicemail offer.
// Phase office (tests/e2e/office.mjs, issue 17): the simulated PBX →
// ringside-gateway → Mosquitto (password file, ACL, a TLS listener the
// desk pins) → the app as a desk: the status line asks for the broker
// password, then says connected through the gateway; a call pops up from
// the gateway's card lines, a transfer from the popup reaches the PBX as
// the gateway's BlindTransfer, and the gateway's kill -9 shows as "Office
// gateway offline since HH:MM" until it is back.
// Phase 3 (crash safety): the simulated PBX streams the busy-hour capture
// (about 30 calls/s); once the app's log has named at least 40 calls as
// saved to history, the app is killed with SIGKILL mid-burst. Started again
// on the same data dir, its store opens (it refuses damaged files) and its
// history holds every call named before the kill; `sqlite3` (when
// installed) also finds the file intact.
// Finally: the secret is in no file under the app's config and data dirs,
// XDG config/data/cache (WebKit's storage included; the keyring's own
// encrypted file excepted) and in no line of the app's logs.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { consoleThroughPopup } from "./console.mjs";
import { officeThroughGateway } from "./office.mjs";
import { Session, waitFor, waitForDriver } from "./webdriver.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const ART = join(ROOT, "artifacts/e2e");
const APP = process.env.RINGSIDE_APP_BIN;
const PBXSIM = process.env.RINGSIDE_PBXSIM_BIN;
const GATEWAY = process.env.RINGSIDE_GATEWAY_BIN;
const DRIVER = process.env.TAURI_DRIVER_BIN;
const FIXTURE = join(ROOT, "tests/fixtures/ami/incoming-answered.ami");
const BUSY_HOUR = join(ROOT, "tests/fixtures/ami/busy-hour.ami.gz");
const CALLER_NAME = "ACME Corp";
const CALLER_NUM = "+15551234567";

mkdirSync(ART, { recursive: true });
const TMP = mkdtempSync(join(tmpdir(), "ringside-e2e-"));
const CONFIG_DIR = join(TMP, "config");
const DATA_DIR = join(TMP, "data");
const CRASH_DATA_DIR = join(TMP, "data-crash");
const SMS_DATA_DIR = join(TMP, "data-sms");
const CONSOLE_CONFIG_DIR = join(TMP, "config-console");
const CONSOLE_DATA_DIR = join(TMP, "data-console");
const OFFICE_CONFIG_DIR = join(TMP, "config-office");
const OFFICE_DATA_DIR = join(TMP, "data-office");
/** The simulated gateway's first demo text (crates/pbxsim/src/openvox.rs demo_messages). */
const DEMO_SMS = { span: 1, sender: "13632919026", text: "This is a short message from my mobile phone" };
/** Calls the app must have saved (per its log) before it is killed. */
const SAVED_BEFORE_KILL = 40;
const SECRET = `e2e-${randomBytes(12).toString("hex")}`;
const children = [];
const results = [];

function log(msg) {
  console.log(`[e2e] ${msg}`);
}

function pass(name) {
  results.push({ name, ok: true });
  log(`PASS ${name}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
    srv.on("error", rej);
  });
}

/** Whether something listens on 127.0.0.1:`port`. */
function listening(port) {
  return new Promise((res) => {
    const sock = connect(port, "127.0.0.1");
    sock.on("connect", () => {
      sock.destroy();
      res(true);
    });
    sock.on("error", () => res(false));
  });
}

/** Whether the log of the child started as `name` (artifacts/e2e/NAME.log) holds `text` yet. */
function logHas(name, text) {
  try {
    return readFileSync(join(ART, `${name}.log`), "utf8").includes(text);
  } catch {
    return false;
  }
}

/** Starts a child whose output goes to artifacts/e2e/NAME.log; `stdin: true` keeps its input open for writing. */
function start(name, cmd, args, env, { stdin = false } = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  const out = createWriteStream(join(ART, `${name}.log`));
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  children.push(child);
  child.lines = [];
  let buf = "";
  child.stdout.on("data", (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      child.lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return child;
}

/**
 * The whole Xvfb screen, both windows as she would see them (ImageMagick's
 * `import`). WebKitWebDriver's own screenshot often never answered here (a
 * page with compositing off that has nothing new to paint), and a hung one
 * could hold the driver up for the next phase.
 */
function screenshot(name) {
  try {
    execFileSync("import", ["-window", "root", join(ART, `${name}.png`)], { timeout: 15_000, stdio: "ignore" });
  } catch (e) {
    log(`screenshot ${name} failed: ${e.message}`);
  }
}

/** Every action the simulated PBX received, from its `--print-actions` JSON lines. */
function pbxActions(pbx) {
  return pbx.lines
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null;
      }
    })
    .filter(Boolean);
}

function field(action, key) {
  const k = Object.keys(action).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : action[k];
}

function filesUnder(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) out = out.concat(filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Every place the app (or WebKit on its behalf) may write: files to search for the secret. */
function appFiles() {
  const dirs = [CONFIG_DIR, DATA_DIR, CRASH_DATA_DIR, CONSOLE_CONFIG_DIR, CONSOLE_DATA_DIR];
  for (const v of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"]) if (process.env[v]) dirs.push(process.env[v]);
  const logs = ["app-run1", "app-run2", "app-run3", "app-run4", "app-console"].map((n) => join(ART, `${n}.log`));
  // gnome-keyring's own file is where the secret belongs (encrypted).
  const keyrings = process.env.XDG_DATA_HOME ? join(process.env.XDG_DATA_HOME, "keyrings") : null;
  const files = dirs.flatMap(filesUnder).filter((f) => !keyrings || !f.startsWith(keyrings + "/"));
  return [...new Set([...files, ...logs])];
}

/** The files among `files` that hold the secret (bytes, so SQLite pages and WAL frames count). */
function secretLeaks(files) {
  return files.filter((f) => {
    try {
      return readFileSync(f).includes(SECRET);
    } catch {
      return false;
    }
  });
}

/** Call ids the app logged as committed to history ("call saved to history call=<id>"). */
function savedCalls(logPath) {
  let text = "";
  try {
    text = readFileSync(logPath, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.includes("call saved to history"))
    .map((l) => /\bcall=(\S+)/.exec(l)?.[1])
    .filter(Boolean);
}

async function startDriver(name, env) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start(name, DRIVER, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    RINGSIDE_CONFIG_DIR: CONFIG_DIR,
    RUST_LOG: "info",
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  return { driver, base };
}

/** The pid of the ringside-app process started under `pid` (tauri-driver), if any. */
function appUnder(pid) {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([p, pp, comm]) => ({ pid: +p, ppid: +pp, comm }));
  const under = (p) => rows.filter((r) => r.ppid === p).flatMap((r) => [r, ...under(r.pid)]);
  return under(pid).find((r) => r.comm.startsWith("ringside-app"))?.pid;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends a WebDriver session and its driver, and waits until the app it started is gone:
 * a second app started while the first still holds the single-instance name would hand over to it. */
async function stopApp(session, driver) {
  const app = appUnder(driver.pid);
  await session.delete();
  driver.kill("SIGTERM");
  if (!app) return;
  try {
    await waitFor(`the app (pid ${app}) to exit`, 15_000, async () => !alive(app), 200);
  } catch {
    log(`the app (pid ${app}) did not exit after its session ended; killing it`);
    process.kill(app, "SIGKILL");
  }
}

function appCaps(args) {
  return { alwaysMatch: { "tauri:options": { application: APP, args } } };
}

async function mainConnected(session, what) {
  await session.switchToPage("index.html");
  await waitFor(what, 30_000, async () =>
    (await session.exec("const e = document.querySelector('[data-testid=\"connection\"]'); return e ? e.dataset.state : '';")) === "connected",
  );
}

/** Asterisk's CLI quoting of one argument, as ringside_calls::sms::quote_cli_arg does it. */
function cliQuoted(text) {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Phase SMS: the simulated PBX as an OpenVox gateway (--openvox --demo)
 * announces a text; the popup shows it as a card and it lands in History;
 * a reply typed in the popup reaches the gateway as `gsm send sms` with the
 * exact text, and History shows it sent. The app's log gives the time from
 * the event's arrival to the card's event.
 */
async function smsThroughGateway() {
  const gw = start(
    "pbxsim-openvox",
    PBXSIM,
    ["--listen", "127.0.0.1:0", "--openvox", "--demo", "--demo-every", "2", "--user", "ringside", "--print-actions"],
    { RINGSIDE_PBXSIM_SECRET: SECRET },
  );
  const listening = await waitFor("the simulated gateway's 'listening on' line", 30_000, async () =>
    gw.lines.map((l) => /^listening on (\S+)/.exec(l)).find(Boolean),
  );
  const { driver, base } = await startDriver("app-sms", { RINGSIDE_AMI_SECRET: SECRET });
  const session = await Session.create(
    base,
    appCaps(["--pbx", listening[1], "--user", "ringside", "--extension", "1001", "--data-dir", SMS_DATA_DIR]),
  );
  try {
    await mainConnected(session, "the app to connect to the simulated gateway");
    await session.switchToPage("popup.html");
    await waitFor("the popup to show the incoming text", 40_000, async () => {
      const t = await session.exec(
        "return [...document.querySelectorAll('[data-testid=\"sms-card\"]')].map((c) => c.innerText).join('\\n');",
      );
      return t.includes(DEMO_SMS.text) && t.includes(DEMO_SMS.sender);
    });
    screenshot("08-popup-sms");
    pass("an incoming text from the gateway shows as a card in the popup, with its sender");
    await waitFor("a Notify call for the text (notifyWithPopup was saved on)", 10_000, async () =>
      readFileSync(join(ART, "notifications.log"), "utf8").includes(`Text from ${DEMO_SMS.sender}`),
    );
    pass("with 'as well as the call popup' on, the text also got a desktop notification on the session bus");

    const card = `[data-testid="sms-card"][aria-label="Text from ${DEMO_SMS.sender}"]`;
    const reply = 'Thanks, "got it" \\o/ <b>ok</b>';
    await session.click(`${card} [data-testid="sms-reply"]`);
    await session.type(`${card} [data-testid="sms-compose-text"]`, reply);
    await session.click(`${card} [data-testid="sms-compose-send"]`);
    const sent = await waitFor("the gateway to receive gsm send sms", 15_000, async () =>
      pbxActions(gw).find((a) => /^gsm send sms /.test(field(a, "Command") ?? "")),
    );
    const cmd = field(sent, "Command");
    const expected = `gsm send sms 1 ${DEMO_SMS.sender} ${cliQuoted(reply)} 20 `;
    if (!cmd.startsWith(expected)) throw new Error(`the gateway got '${cmd}', expected it to start with '${expected}'`);
    writeFileSync(join(ART, "sms-send-action.json"), JSON.stringify(sent, null, 2));
    pass(`the reply reached the gateway with the exact text: ${cmd}`);
    await waitFor("the popup to say the reply was sent", 15_000, async () =>
      (await session.exec(`return document.querySelector('${card} [data-testid="sms-feedback"]')?.innerText ?? '';`)).includes("sent"),
    );

    await session.switchToPage("index.html");
    await session.click('[data-testid="tab-history"]');
    await waitFor("both texts in the main window's history", 20_000, async () => {
      const t = await session.exec("const h = document.querySelector('[data-testid=\"sms-rows\"]'); return h ? h.innerText : '';");
      return t.includes(DEMO_SMS.text) && t.includes(reply) && /\bSent\b/.test(t);
    });
    screenshot("09-history-texts");
    pass("the incoming text and the sent reply are in History, the reply marked Sent");
  } finally {
    // The gateway goes first: with demo calls still ringing in, the app keeps its popup up and does not exit with the session.
    gw.kill();
    await stopApp(session, driver);
  }
  const lines = readFileSync(join(SMS_DATA_DIR, "ringside.log"), "utf8").split("\n").filter((l) => l.includes("incoming text shown"));
  const us = lines.map((l) => Number(/to_emit_us=(\d+)/.exec(l)?.[1])).filter(Number.isFinite);
  if (us.length === 0) throw new Error("the app's log has no 'incoming text shown' line with to_emit_us");
  writeFileSync(join(ART, "sms-latency.json"), JSON.stringify({ eventToEmitMicros: us }, null, 2));
  log(`incoming text: event arrival to UI emit ${us.join(", ")} µs`);
}

/** Phase 3: kill -9 during a burst of calls loses no call the app had reported as saved. */
async function crashDuringBurst() {
  const burst = start(
    "pbxsim-burst",
    PBXSIM,
    ["--listen", "127.0.0.1:0", "--replay", BUSY_HOUR, "--rate", "2000", "--loop", "--start-delay-ms", "3000", "--user", "ringside"],
    { RINGSIDE_PBXSIM_SECRET: SECRET },
  );
  const addr = (
    await waitFor("the burst PBX's 'listening on' line", 30_000, async () =>
      burst.lines.map((l) => /^listening on (\S+)/.exec(l)).find(Boolean),
    )
  )[1];
  const log = join(CRASH_DATA_DIR, "ringside.log");
  let { driver, base } = await startDriver("app-run3", { RINGSIDE_AMI_SECRET: SECRET });
  let session = await Session.create(
    base,
    appCaps(["--pbx", addr, "--user", "ringside", "--extension", "1001", "--data-dir", CRASH_DATA_DIR]),
  );
  let saved;
  try {
    await mainConnected(session, "the app to connect to the burst PBX");
    await waitFor(`the app to log ${SAVED_BEFORE_KILL} calls as saved`, 90_000, async () => savedCalls(log).length >= SAVED_BEFORE_KILL, 50);
    const app = appUnder(driver.pid);
    if (!app) throw new Error("could not find the app's process to kill");
    // Read what the app reported as saved, then kill it at once: anything it
    // saves in between is only extra.
    saved = new Set(savedCalls(log));
    process.kill(app, "SIGKILL");
    log3(`killed the app (pid ${app}) with SIGKILL after it reported ${saved.size} distinct calls saved`);
    await waitFor(`the killed app (pid ${app}) to be gone`, 10_000, async () => !alive(app), 50);
  } finally {
    await session.delete();
    driver.kill("SIGKILL");
    burst.kill();
  }
  const stillStreaming = savedCalls(log).length;
  const wal = filesUnder(CRASH_DATA_DIR).find((f) => f.endsWith("-wal"));
  log3(`after the kill: ${stillStreaming} 'saved' lines in the log, WAL ${wal ? `${statSync(wal).size} bytes` : "absent"}`);

  // An independent check of the file itself, on a copy (the app reopens the original).
  const sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
  if (sqlite3) {
    const copy = mkdtempSync(join(TMP, "crash-copy-"));
    for (const f of filesUnder(CRASH_DATA_DIR).filter((f) => /\.(sqlite|db)(-wal)?$/.test(f) || f.endsWith("-wal"))) {
      writeFileSync(join(copy, f.slice(f.lastIndexOf("/") + 1)), readFileSync(f));
    }
    const db = filesUnder(copy).find((f) => !f.endsWith("-wal"));
    const check = execFileSync(sqlite3, [db, "PRAGMA integrity_check;"], { encoding: "utf8" }).trim();
    if (check !== "ok") throw new Error(`sqlite3 integrity_check after the kill: ${check}`);
    pass("sqlite3 integrity_check of the killed app's database (with its WAL) says ok");
  }

  // Start the app again on the same data dir, against a port nobody listens
  // on (no new calls): its store must open and hold every reported call.
  const dead = await freePort();
  ({ driver, base } = await startDriver("app-run4", { RINGSIDE_AMI_SECRET: SECRET }));
  session = await Session.create(
    base,
    appCaps(["--pbx", `127.0.0.1:${dead}`, "--user", "ringside", "--extension", "1001", "--data-dir", CRASH_DATA_DIR]),
  );
  try {
    await session.switchToPage("index.html");
    const res = await waitFor("search_history to answer in the restarted app", 30_000, async () =>
      session.execAsync(
        "const done = arguments[arguments.length - 1];" +
          "window.__TAURI_INTERNALS__.invoke('search_history', { query: { limit: 500 } })" +
          ".then((rows) => done({ rows }), (e) => done({ error: e }));",
      ),
    );
    if (res.error) throw new Error(`the restarted app's history failed: ${JSON.stringify(res.error)}`);
    const have = new Set(res.rows.map((r) => r.callId));
    const lost = [...saved].filter((id) => !have.has(id));
    if (lost.length) throw new Error(`${lost.length} of ${saved.size} calls reported saved before the kill are missing: ${lost.slice(0, 10).join(", ")}`);
    writeFileSync(join(ART, "crash-history.json"), JSON.stringify({ reportedSaved: [...saved], afterRestart: [...have] }, null, 2));
    pass(`kill -9 mid-burst lost none of the ${saved.size} calls reported saved; the store reopened (${have.size} calls in history)`);
  } finally {
    await stopApp(session, driver);
  }
}

function log3(msg) {
  log(`[crash] ${msg}`);
}

function officeHelpers() {
  return {
    start, pass, log, screenshot, pbxActions, field, startDriver, stopApp, appCaps, freePort, listening, logHas,
    PBXSIM, GATEWAY, SECRET, OFFICE_CONFIG_DIR, OFFICE_DATA_DIR,
  };
}

async function main() {
  for (const [name, v] of Object.entries({ RINGSIDE_APP_BIN: APP, RINGSIDE_PBXSIM_BIN: PBXSIM, RINGSIDE_GATEWAY_BIN: GATEWAY, TAURI_DRIVER_BIN: DRIVER })) {
    if (!v) throw new Error(`${name} is not set; run scripts/test-e2e.sh`);
  }
  if (process.env.RINGSIDE_E2E_ONLY === "office") {
    // While working on office mode: only its phase (the test command runs them all).
    await officeThroughGateway(officeHelpers());
    return;
  }

  // Notifications: record every Notify call on the session bus (dunst answers them).
  const monitor = start("notifications", "dbus-monitor", ["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"], {});

  // The simulated PBX: replay paced at 1 packet/s, 2 s after each login, so the
  // call rings here for about 12 s (DialBegin to DialEnd): time to transfer it.
  const pbx = start(
    "pbxsim",
    PBXSIM,
    ["--listen", "127.0.0.1:0", "--replay", FIXTURE, "--rate", "1", "--start-delay-ms", "2000", "--user", "ringside", "--print-actions"],
    { RINGSIDE_PBXSIM_SECRET: SECRET },
  );
  const listening = await waitFor("the simulated PBX's 'listening on' line", 30_000, async () =>
    pbx.lines.map((l) => /^listening on (\S+)/.exec(l)).find(Boolean),
  );
  const addr = listening[1];
  const [host, port] = [addr.slice(0, addr.lastIndexOf(":")), addr.slice(addr.lastIndexOf(":") + 1)];
  log(`simulated PBX on ${addr}`);

  // ---------- phase 1 ----------
  let { driver, base } = await startDriver("app-run1", { RINGSIDE_AMI_SECRET: SECRET });
  let session = await Session.create(
    base,
    appCaps(["--pbx", addr, "--user", "ringside", "--extension", "1001", "--data-dir", DATA_DIR]),
  );
  try {
    const t0 = Date.now();
    await mainConnected(session, "the main window to say Connected");
    log(`connected after ${Date.now() - t0} ms (from session start)`);
    screenshot("01-main-connected");
    pass("main window connects to the simulated PBX");

    // Colleagues are named from the caller ID their phones are configured with.
    await waitFor("the board to name 1002 Bob Sales", 20_000, async () => {
      const text = await session.exec(
        `return document.querySelector('[data-testid="colleague"][data-extension="1002"]')?.textContent ?? "";`,
      );
      return text.includes("Bob Sales");
    });
    pass("the colleagues board names 1002 Bob Sales, from the PBX's PJSIPShowEndpoint");

    // A contact she keeps for an extension names that colleague instead.
    const report = await session.execAsync(`
      const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__
        .invoke("import_contacts", { fileName: "team.csv", content: "Name,Desk phone\\nBob (sales desk),1002\\n" })
        .then(done, (e) => done({ error: e }));`);
    if (report.error || report.imported !== 1) throw new Error(`importing a contact for 1002 failed: ${JSON.stringify(report)}`);
    await waitFor("the board to name 1002 after the contact", 10_000, async () => {
      const text = await session.exec(
        `return document.querySelector('[data-testid="colleague"][data-extension="1002"]')?.textContent ?? "";`,
      );
      return text.includes("Bob (sales desk)");
    });
    pass("a contact holding 1002 renames it on the board as soon as it is imported");

    await session.switchToPage("popup.html");
    await waitFor(`the popup to show ${CALLER_NAME} and ${CALLER_NUM}`, 40_000, async () => {
      const text = await session.bodyText();
      return text.includes(CALLER_NAME) && text.includes(CALLER_NUM);
    });
    screenshot("02-popup");
    pass("popup window shows ACME Corp and +15551234567");

    // With the popup painted, the app process itself must hold no GL stack
    // (Mesa's llvmpipe is ~60 MB of RSS per process; see webkit_env.rs).
    const appPid = appUnder(driver.pid);
    if (!appPid) throw new Error("could not find the ringside-app process under tauri-driver");
    const gl = [...new Set(readFileSync(`/proc/${appPid}/maps`, "utf8").split("\n")
      .map((l) => l.split(/\s+/)[5] ?? "")
      .filter((f) => /libLLVM|_dri\.so|libGLX_mesa|libEGL_mesa/.test(f)))];
    if (gl.length) throw new Error(`the app process loaded a GL driver: ${gl.join(", ")}`);
    pass("the app process painted its windows without loading a GL driver (no Mesa, no LLVM)");

    await session.click('[data-testid="card"] [data-testid="action-transfer"]');
    await session.type('[data-testid="card"] [data-testid="transfer-search"]', "1002");
    await waitFor("a transfer target for 1002", 10_000, async () => {
      for (const css of ['[data-testid="transfer-target"][data-extension="1002"]', '[data-testid="transfer-typed"]']) {
        try {
          await session.click(css);
          return true;
        } catch {
          // try the next one
        }
      }
      return false;
    });
    screenshot("03-popup-transfer");
    const transfer = await waitFor("the PBX to receive a Redirect/BlindTransfer to 1002", 15_000, async () =>
      pbxActions(pbx).find((a) => /^(redirect|blindtransfer)$/i.test(field(a, "Action") ?? "")),
    );
    const channel = field(transfer, "Channel") ?? "";
    const exten = field(transfer, "Exten") ?? "";
    // While the call still rings here, Ringside must Redirect the caller's
    // own channel. Once 1001 has answered (the replay answers after ~12 s, and
    // a slow machine may click later than that), Asterisk's BlindTransfer
    // takes the transferer's channel, 1001's, and moves its bridged peer.
    const action = (field(transfer, "Action") ?? "").toLowerCase();
    const expected = action === "redirect" ? /^PJSIP\/carrier-/ : /^PJSIP\/1001-/;
    if (!expected.test(channel)) {
      throw new Error(
        action === "redirect"
          ? `Redirect moved channel '${channel}', not the caller's PJSIP/carrier-... channel`
          : `BlindTransfer named channel '${channel}', not the transferer's (my) PJSIP/1001-... channel`,
      );
    }
    if (exten !== "1002") throw new Error(`transfer went to exten '${exten}', not 1002`);
    writeFileSync(join(ART, "transfer-action.json"), JSON.stringify(transfer, null, 2));
    pass(`PBX received ${field(transfer, "Action")} of ${channel} to ${exten}`);

    await session.switchToPage("index.html");
    await session.click('[data-testid="tab-history"]');
    await waitFor("the call in the main window's history", 90_000, async () => {
      const text = await session.exec(
        "const h = document.querySelector('[data-testid=\"history-rows\"]'); return h ? h.innerText : '';",
      );
      return text.includes(CALLER_NUM) && text.includes(CALLER_NAME);
    });
    screenshot("04-history");
    pass("the call is in the history list");

    const notes = readFileSync(join(ART, "notifications.log"), "utf8");
    if (notes.includes(CALLER_NAME) || notes.includes(CALLER_NUM)) {
      throw new Error(`a Notify call with ${CALLER_NAME} went out while the popup showed the call (see notifications.log)`);
    }
    pass("no desktop notification duplicated the popup on the session bus");

    // Settings: point the saved settings at the simulated PBX, then type the secret.
    await session.click('[data-testid="tab-settings"]');
    await session.type('[data-testid="settings-host"]', host);
    await session.type('[data-testid="settings-port"]', port);
    await session.type('[data-testid="settings-user"]', "ringside");
    await session.type('[data-testid="settings-extensions"]', "1001");
    // She asks for both: the SMS phase (same settings) checks the notification then goes out.
    await session.click('[data-testid="settings-notify-with-popup"]');
    await session.click('[data-testid="settings-save"]');
    // "Settings not saved. Fix the fields marked above." must not pass for it.
    await waitFor("Settings to say 'Settings saved.'", 10_000, async () =>
      /^Settings saved/.test(await session.exec("return document.querySelector('[data-testid=\"settings-message\"]').innerText;")),
    );
    await session.type('[data-testid="settings-secret"]', SECRET);
    await session.click('[data-testid="settings-secret-save"]');
    // The page says "Saved in the system keyring" only after set_secret succeeded;
    // phase 2 then proves the keyring really holds it.
    await waitFor("Settings to say the secret is in the keyring", 10_000, async () =>
      /^Saved in the system keyring/.test(await session.exec("return document.querySelector('[data-testid=\"secret-state\"]').innerText;")),
    );
    screenshot("05-settings-secret-saved");
    pass("the secret was saved through Settings (hasSecret read back from the keyring)");
  } finally {
    await stopApp(session, driver);
  }

  // ---------- phase 2: no secret in the environment ----------
  ({ driver, base } = await startDriver("app-run2", { RINGSIDE_AMI_SECRET: "" }));
  session = await Session.create(base, appCaps(["--data-dir", DATA_DIR]));
  try {
    await mainConnected(session, "the restarted app to log in with the secret from the keyring");
    screenshot("06-restart-connected-from-keyring");
    pass("the restarted app logged in with the secret read back from the Secret Service");
    const live = appFiles();
    const leaks = secretLeaks(live);
    if (leaks.length) throw new Error(`while the app runs, the AMI secret is in: ${leaks.join(", ")}`);
    if (!live.some((f) => f.endsWith(".sqlite-wal") || f.endsWith(".db-wal") || f.endsWith("-wal"))) {
      throw new Error(`no SQLite WAL file under ${DATA_DIR} while the app runs; the live scan would not cover it`);
    }
    pass(`while the app runs, no file holds the secret (${live.length} files, the history database and its WAL included)`);
  } finally {
    await stopApp(session, driver);
  }
  await new Promise((r) => setTimeout(r, 500));

  await smsThroughGateway();
  await new Promise((r) => setTimeout(r, 500));

  // The console phase shares this file's helpers and paths.
  await consoleThroughPopup({
    start, pass, log, screenshot, pbxActions, field, startDriver, stopApp, appCaps, mainConnected,
    PBXSIM, SECRET, CONSOLE_CONFIG_DIR, CONSOLE_DATA_DIR,
  });
  await new Promise((r) => setTimeout(r, 500));

  // Office mode: the same helpers, the gateway between the app and the PBX.
  await officeThroughGateway(officeHelpers());
  await new Promise((r) => setTimeout(r, 500));

  await crashDuringBurst();

  // The scanner itself must be able to fail: a canary file holding the secret is found.
  const canary = join(TMP, "canary.bin");
  writeFileSync(canary, Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(SECRET), Buffer.from([3])]));
  if (secretLeaks([canary]).length !== 1) throw new Error("the secret scanner missed a canary file holding the secret");
  const files = appFiles();
  const leaks = secretLeaks(files);
  if (leaks.length) throw new Error(`the AMI secret was found in: ${leaks.join(", ")}`);
  for (const must of [join(DATA_DIR, "ringside.log"), join(CRASH_DATA_DIR, "ringside.log"), join(ART, "app-run3.log")]) {
    if (!files.includes(must)) throw new Error(`the secret scan did not cover ${must}`);
  }
  if (!files.some((f) => f.startsWith(CRASH_DATA_DIR) && f.endsWith("-wal"))) {
    throw new Error("the crashed app's WAL file was not scanned");
  }
  pass(`the secret is in no file of the app's config, data, cache and log dirs nor its logs (${files.length} files, SQLite files and WALs included)`);
  monitor.kill();
  pbx.kill();
}

main()
  .then(() => {
    writeFileSync(join(ART, "results.json"), JSON.stringify(results, null, 2));
    log(`all ${results.length} checks passed; artifacts in ${ART}`);
    for (const c of children) c.kill();
    process.exit(0);
  })
  .catch((e) => {
    writeFileSync(join(ART, "results.json"), JSON.stringify([...results, { name: "failure", ok: false, error: e.message }], null, 2));
    console.error(`[e2e] FAIL: ${e.message}`);
    for (const c of children) c.kill();
    process.exit(1);
  });
