// Office mode end to end (issue 17), a phase of run.mjs that shares its
// helpers (`h`): the simulated PBX → ringside-gateway → Debian's Mosquitto
// → the real app as one desk, with nothing between the app and the PBX but
// the gateway.
//   - Mosquitto runs with a password file and the ACL the gateway prints
//     (`--print-acl`): a plain listener on loopback for the gateway and a
//     TLS listener whose self-signed certificate the desk pins by its
//     SHA-256 fingerprint in Settings.
//   - The app starts with Settings' office gateway set but no broker
//     password saved: the status line says so. The password is then typed
//     in Settings → Broker password → Save password (into the Secret
//     Service) and the app connects: "Connected through the office gateway".
//   - ACME Corp rings 1001: the popup shows the caller, from the gateway's
//     card lines (the app holds no AMI session: the PBX sees one Login).
//   - 1001 answers; Transfer… → 1002 on the popup card makes the PBX
//     receive BlindTransfer of 1001's channel to 1002, sent by the gateway.
//   - Initech rings 1001 and is answered; Park on its popup card makes the
//     PBX receive Park (from the gateway), and the Parked calls panel shows
//     it from the gateway's retained office/parked; a click on it makes the
//     PBX receive the retrieve's Originate (her phone to the space).
//   - A text the PBX receives (pbxsim's `text` line) shows as a card on
//     the popup, from the gateway's office/texts.
//   - The gateway is killed with SIGKILL: within its keepalive the status
//     line says "Office gateway offline since HH:MM"; started again, the
//     app says connected through it again.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, waitFor } from "./webdriver.mjs";

const CALLER = { number: "+15551234567", name: "ACME Corp" };
const PARKED = { number: "+442071234567", name: "Initech" };
const TEXT = { sender: "+4917612345678", text: "Back at 3, call me" };
const DESK = { user: "reception", password: "reception-e2e-pw", extension: "1001" };
const GATEWAY_USER = { user: "ringside-gateway", password: "gateway-e2e-pw" };

const cardOf = (who) => `[data-testid="card"][aria-label="Call from ${who.name}"]`;

function text(session, css) {
  return session.exec("return document.querySelector(arguments[0])?.innerText ?? '';", css);
}

function shown(session, css) {
  return session.exec(
    "const e = document.querySelector(arguments[0]); return !!e && !e.hidden && e.getClientRects().length > 0;",
    css,
  );
}

/** The main window's status line: its state and message. */
async function status(session) {
  await session.switchToPage("index.html");
  return session.exec(`const e = document.querySelector('[data-testid="connection"]');
    return { state: e?.dataset.state ?? '', message: document.getElementById('connection-message')?.innerText ?? '' };`);
}

function received(h, pbx, name) {
  return h.pbxActions(pbx).filter((a) => (h.field(a, "Action") ?? "").toLowerCase() === name.toLowerCase());
}

/** A self-signed certificate for 127.0.0.1 and its SHA-256 fingerprint (hex with colons). */
function certificate(dir) {
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  // Mosquitto started as root reads its files as the `mosquitto` user.
  chmodSync(join(dir, "key.pem"), 0o644);
  const out = execFileSync("openssl", ["x509", "-in", join(dir, "cert.pem"), "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" });
  return out.trim().split("=").pop();
}

/** Mosquitto with a password file and the gateway's ACL: a plain loopback listener and a TLS one. */
async function startBroker(h, dir, gatewayConfig, { plain, tls }) {
  const passwd = join(dir, "passwd");
  execFileSync("mosquitto_passwd", ["-c", "-b", passwd, GATEWAY_USER.user, GATEWAY_USER.password]);
  execFileSync("mosquitto_passwd", ["-b", passwd, DESK.user, DESK.password]);
  writeFileSync(join(dir, "acl"), execFileSync(h.GATEWAY, ["--config", gatewayConfig, "--print-acl"], { encoding: "utf8" }));
  writeFileSync(
    join(dir, "mosquitto.conf"),
    [
      "per_listener_settings false",
      "allow_anonymous false",
      "set_tcp_nodelay true",
      "persistence false",
      `password_file ${passwd}`,
      `acl_file ${join(dir, "acl")}`,
      "log_dest stderr",
      "log_type error",
      `listener ${plain} 127.0.0.1`,
      `listener ${tls} 127.0.0.1`,
      `certfile ${join(dir, "cert.pem")}`,
      `keyfile ${join(dir, "key.pem")}`,
      "",
    ].join("\n"),
  );
  h.start("mosquitto-office", "mosquitto", ["-c", join(dir, "mosquitto.conf")], {});
}

function gatewayConfig(dir, pbxAddr, plainPort) {
  const path = join(dir, "gateway.toml");
  writeFileSync(
    path,
    `[pbx]\naddress = "${pbxAddr}"\nuser = "ringside"\n\n` +
      `[broker]\nurl = "mqtt://127.0.0.1:${plainPort}"\nuser = "${GATEWAY_USER.user}"\n\n` +
      `[[desk]]\nuser = "${DESK.user}"\nextensions = ["${DESK.extension}"]\n`,
  );
  return path;
}

function startGateway(h, config, name) {
  const gw = h.start(name, h.GATEWAY, ["--config", config], {
    RINGSIDE_AMI_SECRET: h.SECRET,
    RINGSIDE_BROKER_PASSWORD: GATEWAY_USER.password,
  });
  return gw;
}

/** Types the desk's broker password in Settings and saves it into the keyring, as she would. */
async function saveBrokerPassword(session) {
  await session.switchToPage("index.html");
  await session.click('[data-testid="tab-settings"]');
  await waitFor("Settings to show the saved broker", 10_000, async () =>
    (await session.exec("return document.querySelector('[data-testid=\"settings-office-broker\"]').value;")) !== "",
  );
  await session.type('[data-testid="settings-office-password"]', DESK.password);
  await session.click('[data-testid="settings-office-password-save"]');
  await waitFor("Settings to say the broker password is saved", 15_000, async () =>
    /^Broker password saved in the system keyring/.test(await text(session, '[data-testid="settings-message"]')),
  );
  await session.click('[data-testid="tab-calls"]');
}

/** Transfer… → 1002 on the popup card `card`. */
async function transferTo1002(session, card) {
  await session.click(`${card} [data-testid="action-transfer"]`);
  await session.type(`${card} [data-testid="transfer-search"]`, "1002");
  await waitFor("a transfer target for 1002", 10_000, async () => {
    for (const css of [`${card} [data-testid="transfer-target"][data-extension="1002"]`, `${card} [data-testid="transfer-typed"]`]) {
      try {
        await session.click(css);
        return true;
      } catch {
        // try the next one
      }
    }
    return false;
  });
}

/** The office phase: `h` holds run.mjs's helpers and paths. */
export async function officeThroughGateway(h) {
  const dir = mkdtempSync(join(tmpdir(), "ringside-e2e-office-"));
  chmodSync(dir, 0o755); // see certificate()
  const fingerprint = certificate(dir);
  const pbx = h.start(
    "pbxsim-office",
    h.PBXSIM,
    ["--listen", "127.0.0.1:0", "--dialect", "modern", "--user", "ringside", "--print-actions", "--calls-from-stdin"],
    { RINGSIDE_PBXSIM_SECRET: h.SECRET },
    { stdin: true },
  );
  const listening = await waitFor("the office PBX's 'listening on' line", 30_000, async () =>
    pbx.lines.map((l) => /^listening on (\S+)/.exec(l)).find(Boolean),
  );
  const ports = { plain: await h.freePort(), tls: await h.freePort() };
  const config = gatewayConfig(dir, listening[1], ports.plain);
  await startBroker(h, dir, config, ports);
  await waitFor("Mosquitto to listen", 10_000, async () => h.listening(ports.tls));
  let gateway = startGateway(h, config, "gateway-office");
  await waitFor("the gateway to connect to the PBX and the broker", 30_000, async () =>
    received(h, pbx, "Login").length === 1 && h.logHas("gateway-office", "connected to the broker"),
  );
  h.pass(`the office gateway holds the PBX's AMI session and publishes to Mosquitto (TLS desk listener on ${ports.tls})`);

  mkdirSync(h.OFFICE_CONFIG_DIR, { recursive: true });
  writeFileSync(
    join(h.OFFICE_CONFIG_DIR, "settings.json"),
    JSON.stringify({
      extensions: [DESK.extension],
      office: { broker: `mqtts://127.0.0.1:${ports.tls}`, user: DESK.user, fingerprint },
    }),
  );
  const { driver, base } = await h.startDriver("app-office", { RINGSIDE_CONFIG_DIR: h.OFFICE_CONFIG_DIR });
  const session = await Session.create(base, h.appCaps(["--data-dir", h.OFFICE_DATA_DIR]));
  try {
    const before = await waitFor("the status line to ask for the broker password", 30_000, async () => {
      const s = await status(session);
      return /No broker password is saved for desk 'reception'/.test(s.message) ? s : null;
    });
    h.pass(`with no broker password saved, the status line says: "${before.message}"`);
    await saveBrokerPassword(session);
    const online = await waitFor("the app to connect through the office gateway", 30_000, async () => {
      const s = await status(session);
      return s.state === "connected" && /^Connected through the office gateway/.test(s.message) ? s : null;
    });
    h.pass(`with the password in the keyring and the broker's certificate pinned, the status line says: "${online.message}"`);
    await waitFor("the console panels to drop the error from before the session", 10_000, async () =>
      (await text(session, '[data-testid="console-message"]')) === "",
    );
    h.screenshot("20-office-connected");

    pbx.stdin.write(`from=${CALLER.number},name=${CALLER.name},did=5550100,to=${DESK.extension},ring=3,talk=900\n`);
    await session.switchToPage("popup.html");
    const shownCard = await waitFor(`the popup to show ${CALLER.name}`, 30_000, async () => {
      const t = await text(session, cardOf(CALLER));
      return t.includes(CALLER.number) ? t : null;
    });
    if (received(h, pbx, "Login").length !== 1) throw new Error("the app logged in to the PBX itself in office mode");
    h.screenshot("21-office-popup");
    h.pass(`the popup shows ${CALLER.name} ${CALLER.number} from the gateway's card lines (the PBX saw one Login: the gateway's)`);
    void shownCard;

    const card = `${cardOf(CALLER)}[data-state="answered"]`;
    await waitFor("1001 to answer, so the card offers Transfer", 30_000, async () => shown(session, `${card} [data-testid="action-transfer"]`));
    await transferTo1002(session, card);
    const blind = await waitFor("the PBX to receive BlindTransfer to 1002 from the gateway", 20_000, async () => received(h, pbx, "BlindTransfer")[0]);
    if (!/^PJSIP\/1001-/.test(h.field(blind, "Channel") ?? "") || h.field(blind, "Exten") !== "1002") {
      throw new Error(`BlindTransfer moved '${h.field(blind, "Channel")}' to '${h.field(blind, "Exten")}', not 1001's channel to 1002`);
    }
    h.pass(`Transfer… → 1002 on the popup went through the gateway: the PBX received BlindTransfer of ${h.field(blind, "Channel")} to 1002`);

    // A second caller, parked from the popup: the gateway parks it and its retained panel shows it.
    pbx.stdin.write(`from=${PARKED.number},name=${PARKED.name},did=5550600,to=${DESK.extension},ring=2,talk=900\n`);
    await session.switchToPage("popup.html");
    const parkButton = `${cardOf(PARKED)}[data-state="answered"] [data-testid="action-park"]`;
    // Offered once the gateway is known online (the popup asked before the session was up).
    await waitFor(`the popup card of ${PARKED.name}, answered, to offer Park`, 40_000, async () =>
      (await shown(session, parkButton)) && session.exec("return !document.querySelector(arguments[0]).disabled;", parkButton),
    );
    await session.click(parkButton);
    const park = await waitFor("the PBX to receive Park from the gateway", 20_000, async () => received(h, pbx, "Park")[0]);
    if (!/^PJSIP\/carrier-/.test(h.field(park, "Channel") ?? "")) throw new Error(`Park named '${h.field(park, "Channel")}', not the caller's channel`);
    h.pass(`Park on the popup went through the gateway: the PBX received Park of ${h.field(park, "Channel")}`);
    await session.switchToPage("index.html");
    const row = await waitFor(`the Parked calls panel to show ${PARKED.name} from the gateway's office/parked`, 20_000, async () => {
      const rows = await session.exec(`return [...document.querySelectorAll('[data-testid="parked-call"]')].map((b) => b.innerText);`);
      return rows.find((r) => r.includes(PARKED.name)) ?? null;
    });
    h.screenshot("22-office-parked");
    h.pass(`the Parked calls panel shows the gateway's parked call: "${row.replace(/\s+/g, " ")}"`);

    // Retrieved with a click: the gateway sends the Originate that rings her phone for the space.
    const slot = await session.exec(
      `return [...document.querySelectorAll('[data-testid="parked-call"]')].find((b) => b.innerText.includes(arguments[0]))?.closest('li')?.dataset.slot ?? null;`,
      PARKED.name,
    );
    if (!slot) throw new Error(`no parked row of ${PARKED.name} names its space`);
    await session.click('[data-testid="tab-calls"]');
    await session.click(`li[data-slot="${slot}"] [data-testid="parked-call"]`);
    const originate = await waitFor(`the PBX to receive the Originate to space ${slot} from the gateway`, 20_000, async () =>
      received(h, pbx, "Originate").find((a) => h.field(a, "Exten") === slot),
    );
    if (h.field(originate, "Channel") !== `PJSIP/${DESK.extension}`) {
      throw new Error(`the retrieve rang '${h.field(originate, "Channel")}', not PJSIP/${DESK.extension}`);
    }
    h.pass(`a click on the parked call retrieved it through the gateway: the PBX received Originate of PJSIP/${DESK.extension} to ${slot}@${h.field(originate, "Context")}`);

    // A text the PBX's GSM gateway receives reaches the desk through office/texts.
    pbx.stdin.write(`text 1 ${TEXT.sender} ${TEXT.text}\n`);
    await session.switchToPage("popup.html");
    await waitFor("the popup to show the text received through the gateway", 20_000, async () => {
      const t = await session.exec(
        "return [...document.querySelectorAll('[data-testid=\"sms-card\"]')].map((c) => c.innerText).join('\\n');",
      );
      return t.includes(TEXT.text) && t.includes(TEXT.sender);
    });
    h.pass(`a text the PBX received shows on the desk's popup through the gateway, from ${TEXT.sender}`);
    await session.switchToPage("index.html");

    gateway.kill("SIGKILL");
    const offline = await waitFor("the status line to say the office gateway is offline", 20_000, async () => {
      const s = await status(session);
      return /^Office gateway offline since \d\d:\d\d/.test(s.message) ? s : null;
    });
    h.screenshot("23-office-gateway-offline");
    h.pass(`after the gateway's kill -9, the status line says: "${offline.message}" (${offline.state})`);

    gateway = startGateway(h, config, "gateway-office-2");
    await waitFor("the app to say connected through the gateway again", 30_000, async () => {
      const s = await status(session);
      return s.state === "connected" && /^Connected through the office gateway/.test(s.message);
    });
    h.pass("the gateway started again: the app is connected through it again, without restarting");
  } finally {
    pbx.kill();
    gateway.kill();
    await h.stopApp(session, driver);
  }
}
