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
//   - a desktop notification with the caller went over the session bus;
//   - the AMI secret is saved through Settings into the Secret Service.
// Phase 2: the app starts again WITHOUT the secret in its environment and
// logs in with the saved settings, so the secret was read back from the
// Secret Service; then no file in the config dir, the data dir or the logs
// contains the secret.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, waitFor, waitForDriver } from "./webdriver.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const ART = join(ROOT, "artifacts/e2e");
const APP = process.env.RINGSIDE_APP_BIN;
const PBXSIM = process.env.RINGSIDE_PBXSIM_BIN;
const DRIVER = process.env.TAURI_DRIVER_BIN;
const FIXTURE = join(ROOT, "tests/fixtures/ami/incoming-answered.ami");
const CALLER_NAME = "ACME Corp";
const CALLER_NUM = "+15551234567";

mkdirSync(ART, { recursive: true });
const TMP = mkdtempSync(join(tmpdir(), "ringside-e2e-"));
const CONFIG_DIR = join(TMP, "config");
const DATA_DIR = join(TMP, "data");
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

function start(name, cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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

async function screenshot(session, name) {
  try {
    writeFileSync(join(ART, `${name}.png`), await session.screenshot());
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

async function main() {
  for (const [name, v] of Object.entries({ RINGSIDE_APP_BIN: APP, RINGSIDE_PBXSIM_BIN: PBXSIM, TAURI_DRIVER_BIN: DRIVER })) {
    if (!v) throw new Error(`${name} is not set; run scripts/test-e2e.sh`);
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
    await screenshot(session, "01-main-connected");
    pass("main window connects to the simulated PBX");

    await session.switchToPage("popup.html");
    await waitFor(`the popup to show ${CALLER_NAME} and ${CALLER_NUM}`, 40_000, async () => {
      const text = await session.bodyText();
      return text.includes(CALLER_NAME) && text.includes(CALLER_NUM);
    });
    await screenshot(session, "02-popup");
    pass("popup window shows ACME Corp and +15551234567");

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
    await screenshot(session, "03-popup-transfer");
    const transfer = await waitFor("the PBX to receive a Redirect/BlindTransfer to 1002", 15_000, async () =>
      pbxActions(pbx).find((a) => /^(redirect|blindtransfer)$/i.test(field(a, "Action") ?? "")),
    );
    const channel = field(transfer, "Channel") ?? "";
    const exten = field(transfer, "Exten") ?? "";
    if (!/^PJSIP\/carrier-/.test(channel)) throw new Error(`transfer moved channel '${channel}', not the caller's PJSIP/carrier-... channel`);
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
    await screenshot(session, "04-history");
    pass("the call is in the history list");

    const notes = readFileSync(join(ART, "notifications.log"), "utf8");
    if (!notes.includes(CALLER_NAME) || !notes.includes(CALLER_NUM)) {
      throw new Error(`no Notify call with ${CALLER_NAME} and ${CALLER_NUM} on the session bus (see notifications.log)`);
    }
    pass("a desktop notification with the caller went over the session bus");

    // Settings: point the saved settings at the simulated PBX, then type the secret.
    await session.click('[data-testid="tab-settings"]');
    await session.type('[data-testid="settings-host"]', host);
    await session.type('[data-testid="settings-port"]', port);
    await session.type('[data-testid="settings-user"]', "ringside");
    await session.type('[data-testid="settings-extensions"]', "1001");
    await session.click('[data-testid="settings-save"]');
    await waitFor("Settings to say the settings were saved", 10_000, async () =>
      /saved/i.test(await session.exec("return document.querySelector('[data-testid=\"settings-message\"]').innerText;")),
    );
    await session.type('[data-testid="settings-secret"]', SECRET);
    await session.click('[data-testid="settings-secret-save"]');
    // The page says "Saved in the system keyring" only after set_secret succeeded;
    // phase 2 then proves the keyring really holds it.
    await waitFor("Settings to say the secret is in the keyring", 10_000, async () =>
      /^Saved in the system keyring/.test(await session.exec("return document.querySelector('[data-testid=\"secret-state\"]').innerText;")),
    );
    await screenshot(session, "05-settings-secret-saved");
    pass("the secret was saved through Settings (hasSecret read back from the keyring)");
  } finally {
    await stopApp(session, driver);
  }

  // ---------- phase 2: no secret in the environment ----------
  ({ driver, base } = await startDriver("app-run2", { RINGSIDE_AMI_SECRET: "" }));
  session = await Session.create(base, appCaps(["--data-dir", DATA_DIR]));
  try {
    await mainConnected(session, "the restarted app to log in with the secret from the keyring");
    await screenshot(session, "06-restart-connected-from-keyring");
    pass("the restarted app logged in with the secret read back from the Secret Service");
  } finally {
    await stopApp(session, driver);
  }
  await new Promise((r) => setTimeout(r, 500));

  const leaks = [CONFIG_DIR, DATA_DIR, ...["app-run1", "app-run2"].map((n) => join(ART, `${n}.log`))]
    .flatMap((d) => (d.endsWith(".log") ? [d] : filesUnder(d)))
    .filter((f) => {
      try {
        return readFileSync(f).includes(SECRET);
      } catch {
        return false;
      }
    });
  if (leaks.length) throw new Error(`the AMI secret was found in: ${leaks.join(", ")}`);
  pass(`no file in the config dir, data dir or app logs holds the secret (${filesUnder(CONFIG_DIR).length + filesUnder(DATA_DIR).length} files checked)`);
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
