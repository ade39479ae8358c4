// Settings' "Connect to: the PBX directly / the office gateway" and its
// "Connect through the office gateway" section (issue 17) in real Chromium
// with the shell mocked: the choice read from the saved broker, each choice
// enabling its own fields and disabling the other's (the note saying why
// the PBX login is not used), what save_settings receives (no broker for
// "the PBX directly"), the broker password handed to the keyring after the
// settings and wiped from the page, a desk with only the office gateway set
// up saving without a PBX login, field-named validation (no broker, a
// clear-text broker off this computer, a user with topic characters, a bad
// pin), the shell's refusal shown, the German page fitting its window, and
// a refusal from the gateway shown as its sentence in plain text.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  commandsGranted,
  commandsInvoked,
  cspViolations,
  invocations,
  launchBrowser,
  openApp,
  overflowing,
  recordCommands,
  screenshot,
  serveDist,
} from "./support.mjs";

const VIEWPORT = { width: 1100, height: 800 };

/** Settings as saved before office mode: no `office` at all. */
const OLD_SETTINGS = {
  profile: "genericAsterisk",
  host: "pbx.local",
  port: 5038,
  tls: false,
  amiUser: "ringside",
  hasSecret: true,
  extensions: ["1001"],
  watchedGroups: [],
  countryCode: "49",
  trunkPrefix: "0",
  crmUrlTemplate: "",
  popupPosition: "bottomRight",
  popupDurationSecs: 20,
  notifications: true,
  notifyWithPopup: false,
  startWithOs: false,
  gsmSpan: 1,
  elastixUrl: "",
  hasApiToken: false,
  recallAfterSecs: 20,
  watchedQueues: [],
};

const OFFICE = { broker: "mqtts://broker.office.lan:8883", user: "reception", fingerprint: "AB:".repeat(31) + "AB", caFile: "/etc/ssl/office-ca.pem" };

function shell(extra = {}) {
  return {
    get_status: { connection: { state: "connected", message: "" }, demo: false, extensions: ["1001"] },
    get_presence: [],
    list_live_calls: [],
    search_history: [],
    list_missed: { rows: [], older: false },
    search_contacts: [],
    search_sms: [],
    get_settings: OLD_SETTINGS,
    get_console: { parked: [], queues: [], voicemail: [], offers: [] },
    ...extra,
  };
}

let browser;
let server;
before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function assertClean(app) {
  await recordCommands(app, "main");
  assert.deepEqual(app.pageErrors, [], "no uncaught error in the page");
  assert.deepEqual(app.dialogs, [], "no alert/confirm/prompt was opened");
  assert.deepEqual(await cspViolations(app.page), [], "nothing needed more than the app's CSP allows");
}

const PBX_LOGIN = ["settings-host", "settings-port", "settings-tls", "settings-user", "settings-secret", "settings-test"];

async function loginDisabled(page) {
  const states = [];
  for (const id of PBX_LOGIN) states.push(await page.getByTestId(id).isDisabled());
  return states;
}

const OFFICE_FIELDS = [
  "settings-office-broker",
  "settings-office-user",
  "settings-office-password",
  "settings-office-password-save",
  "settings-office-fingerprint",
  "settings-office-ca-file",
];

async function officeDisabled(page) {
  const states = [];
  for (const id of OFFICE_FIELDS) states.push(await page.getByTestId(id).isDisabled());
  return states;
}

/** Which "Connect to" is chosen. */
async function connectTo(page) {
  const direct = await page.getByTestId("settings-connect-direct").isChecked();
  const office = await page.getByTestId("settings-connect-office").isChecked();
  assert.notEqual(direct, office, "exactly one choice");
  return direct ? "direct" : "office";
}

test("Connect to: the office gateway enables its section and disables the PBX login, saved as typed, the broker password to the keyring after the settings and wiped; the PBX directly saves no broker", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({ save_settings: null, set_broker_password: null }), VIEWPORT);
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  assert.equal(await connectTo(page), "direct", "settings saved before office mode connect directly");
  assert.equal(await page.getByTestId("settings-office-broker").inputValue(), "");
  assert.ok(await page.getByTestId("office-active").isHidden(), "no note while the PBX is connected directly");
  assert.ok(await page.getByTestId("recall-office").isHidden(), "directly, the recall delay is hers");
  assert.deepEqual(await loginDisabled(page), PBX_LOGIN.map(() => false));
  assert.deepEqual(await officeDisabled(page), OFFICE_FIELDS.map(() => true), "the office gateway's fields are not used directly");
  assert.match(await page.getByTestId("office-password-state").textContent(), /^Not set yet/);

  const password = "Desk-p4ss!word";
  await page.getByTestId("settings-connect-office").check();
  assert.deepEqual(await officeDisabled(page), OFFICE_FIELDS.map(() => false));
  await page.getByTestId("settings-office-broker").fill(OFFICE.broker);
  await page.getByTestId("settings-office-user").fill(OFFICE.user);
  await page.getByTestId("settings-office-fingerprint").fill("ab".repeat(32));
  await page.getByTestId("settings-office-ca-file").fill(OFFICE.caFile);
  await page.getByTestId("settings-office-password").fill(password);
  assert.ok(await page.getByTestId("office-active").isVisible(), "the note says why the PBX fields are not used");
  assert.match(await page.getByTestId("recall-office").textContent(), /the gateway brings transferred callers back/, "and that the gateway decides the recall");
  assert.ok(await page.getByTestId("recall-office").isVisible());
  assert.ok(await page.getByTestId("settings-recall").isEnabled(), "still hers to set for the day she connects directly");
  assert.deepEqual(await loginDisabled(page), PBX_LOGIN.map(() => true), "the PBX login is disabled in office mode");
  assert.ok(await page.getByTestId("settings-extensions").isEnabled(), "her extensions stay hers");

  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  const [saved] = await invocations(page, "save_settings");
  assert.deepEqual(saved.settings.office, OFFICE, "as typed, the pin in its canonical form");
  assert.deepEqual(saved.settings.extensions, ["1001"]);
  assert.deepEqual(await invocations(page, "set_broker_password"), [{ password }]);
  const order = await page.evaluate(() =>
    window.__ringside.calls.map((x) => x.cmd).filter((c) => ["save_settings", "set_broker_password"].includes(c)),
  );
  assert.deepEqual(order, ["save_settings", "set_broker_password"], "settings first: the keyring entry is named after the saved broker and user");
  assert.equal(await page.getByTestId("settings-office-password").inputValue(), "", "wiped from the page");
  assert.match(await page.getByTestId("office-password-state").textContent(), /^Saved in the system keyring/);
  assert.ok(!JSON.stringify(saved).includes(password), "the password never travels with the settings");
  assert.ok(!(await page.content()).includes(password), "nor stays in the page");

  // Back to the PBX directly: the PBX login usable again, the office gateway's fields not.
  await page.getByTestId("settings-connect-direct").check();
  assert.deepEqual(await loginDisabled(page), PBX_LOGIN.map(() => false));
  assert.deepEqual(await officeDisabled(page), OFFICE_FIELDS.map(() => true));
  assert.ok(await page.getByTestId("office-active").isHidden());
  assert.ok(await page.getByTestId("recall-office").isHidden());
  assert.equal(await page.getByTestId("settings-office-broker").inputValue(), OFFICE.broker, "kept on the page, should she choose it again");
  await page.getByTestId("settings-save").click();
  await page.waitForFunction(() => window.__ringside.calls.filter((c) => c.cmd === "save_settings").length === 2);
  const [, direct] = await invocations(page, "save_settings");
  assert.deepEqual(
    direct.settings.office,
    { ...OFFICE, broker: "" },
    "saved without a broker, which is how the shell connects to the PBX directly; the desk's user and certificate stay",
  );
  assert.equal((await invocations(page, "set_broker_password")).length, 1, "an empty password field sends nothing");
  await assertClean(app);
  await app.context.close();

  // After a restart the saved office settings fill the form, office mode disables the PBX login at once.
  const again = await openApp(
    browser,
    server.url,
    "index.html",
    shell({ get_settings: { ...OLD_SETTINGS, office: OFFICE, hasBrokerPassword: true }, save_settings: null }),
    VIEWPORT,
  );
  await again.page.getByTestId("tab-settings").click();
  assert.equal(await connectTo(again.page), "office", "a saved broker is the office gateway");
  assert.equal(await again.page.getByTestId("settings-office-fingerprint").inputValue(), OFFICE.fingerprint);
  assert.match(await again.page.getByTestId("office-password-state").textContent(), /^Saved in the system keyring/);
  assert.deepEqual(await loginDisabled(again.page), PBX_LOGIN.map(() => true));
  await again.page.getByTestId("settings-save").click();
  await again.page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  const [resaved] = await invocations(again.page, "save_settings");
  assert.deepEqual(resaved.settings.office, OFFICE, "sent back unchanged");
  await assertClean(again);
  await again.context.close();
});

/** A fresh install's settings (src-tauri's default_settings): no PBX login at all. */
const FRESH = {
  ...OLD_SETTINGS,
  host: "",
  amiUser: "",
  hasSecret: false,
  extensions: [],
  countryCode: "1",
  trunkPrefix: "1",
  popupDurationSecs: 4,
  office: { broker: "", user: "", fingerprint: null, caFile: "" },
  hasBrokerPassword: false,
};

test("a desk with only the office gateway set up saves: the PBX login it does not use is not checked, and is still checked to connect directly", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({ get_settings: FRESH, save_settings: null }), VIEWPORT);
  const { page } = app;
  const errors = () => page.getByTestId("settings-error").allTextContents();
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("settings-extensions").fill("1001");

  // Directly, the PBX login is needed.
  await page.getByTestId("settings-save").click();
  assert.deepEqual(await errors(), [
    "Host: enter the PBX address, for example pbx.local or 192.168.1.10.",
    "AMI user: enter the user name from the PBX's AMI settings.",
  ]);
  assert.deepEqual(await invocations(page, "save_settings"), []);

  // The office gateway needs its broker and desk user.
  await page.getByTestId("settings-port").fill("50x");
  await page.getByTestId("settings-connect-office").check();
  await page.getByTestId("settings-save").click();
  assert.deepEqual(await errors(), [
    "Broker: write its address as mqtts://broker.office.lan:8883.",
    "Desk user: enter this desk's broker user, without /, + or #.",
  ]);
  assert.deepEqual(await invocations(page, "save_settings"), []);

  // With them it saves, though the port above was left half-typed before the choice: disabled with it, so not hers to fix.
  await page.getByTestId("settings-office-broker").fill(OFFICE.broker);
  await page.getByTestId("settings-office-user").fill(OFFICE.user);
  assert.deepEqual(await loginDisabled(page), PBX_LOGIN.map(() => true));
  await page.getByTestId("settings-save").click();
  assert.deepEqual(await errors(), [], "the disabled PBX fields are not checked through the office gateway");
  assert.equal(await page.getByTestId("error-host").textContent(), "", "nor marked");
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  const [saved] = await invocations(page, "save_settings");
  assert.equal(saved.settings.office.broker, OFFICE.broker);
  assert.deepEqual(saved.settings.extensions, ["1001"]);
  assert.deepEqual(
    [saved.settings.host, saved.settings.port, saved.settings.amiUser],
    ["", 5038, ""],
    "the PBX login goes back as it was saved, not as half-typed in the disabled fields",
  );

  // Back to the PBX directly: its login is checked again, the typed port with it.
  await page.getByTestId("settings-connect-direct").check();
  await page.getByTestId("settings-save").click();
  assert.deepEqual(await errors(), [
    "Host: enter the PBX address, for example pbx.local or 192.168.1.10.",
    "Port: must be a whole number from 1 to 65535.",
    "AMI user: enter the user name from the PBX's AMI settings.",
  ]);
  assert.equal((await invocations(page, "save_settings")).length, 1, "nothing more was saved");
  await assertClean(app);
  await app.context.close();
});

test("office gateway validation names each field, nothing invalid is saved; the shell's refusal is shown", async () => {
  const refusal = "Office gateway: save the broker and this desk's user first, then type the password.";
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({ save_settings: null, set_broker_password: { __error: { code: "invalid_setting", message: refusal } } }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("settings-connect-office").check();
  await page.getByTestId("settings-office-broker").fill("mqtt://broker.office.lan");
  await page.getByTestId("settings-office-user").fill("front/desk");
  await page.getByTestId("settings-office-fingerprint").fill("not-a-pin");
  await page.getByTestId("settings-save").click();
  assert.match(await page.getByTestId("error-officeBroker").textContent(), /mqtts:\/\/ so the password travels encrypted/);
  assert.match(await page.getByTestId("error-officeUser").textContent(), /^Desk user: /);
  assert.match(await page.getByTestId("error-officeFingerprint").textContent(), /^Broker certificate: /);
  assert.deepEqual(await invocations(page, "save_settings"), [], "nothing invalid is saved");

  await page.getByTestId("settings-office-broker").fill("http://broker");
  await page.getByTestId("settings-save").click();
  assert.match(await page.getByTestId("error-officeBroker").textContent(), /^Broker: write its address as mqtts:\/\//);

  // A broker on this computer may be plain; the user and the pin fixed, it saves.
  await page.getByTestId("settings-office-broker").fill("mqtt://127.0.0.1:1883");
  await page.getByTestId("settings-office-user").fill("reception");
  await page.getByTestId("settings-office-fingerprint").fill("");
  await page.getByTestId("settings-office-password").fill("typed");
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: refusal }).waitFor();
  assert.equal(await page.getByTestId("settings-message").textContent(), `${refusal} The broker password was not saved; type it again.`);
  assert.equal(await page.getByTestId("settings-office-password").inputValue(), "", "wiped even though the keyring did not take it");
  const [saved] = await invocations(page, "save_settings");
  assert.deepEqual(saved.settings.office, { broker: "mqtt://127.0.0.1:1883", user: "reception", fingerprint: null, caFile: "" });

  await page.getByTestId("settings-office-password-save").click();
  assert.equal(await page.getByTestId("settings-message").textContent(), "Type the broker password first.");
  await assertClean(app);
  await app.context.close();
});

test("in German, the office gateway section and its errors fit the window", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({ get_settings: { ...OLD_SETTINGS, office: OFFICE, hasBrokerPassword: false } }), VIEWPORT, {
    locale: "de-DE",
  });
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("settings-office-user").fill("");
  await page.getByTestId("settings-save").click();
  assert.match(await page.getByTestId("error-officeUser").textContent(), /^Arbeitsplatz-Benutzer: /);
  assert.match(await page.getByTestId("office-active").textContent(), /Büro-Gateway/);
  assert.match(await page.getByTestId("recall-office").textContent(), /^Über das Büro-Gateway holt das Gateway/);
  assert.equal(await connectTo(page), "office");
  assert.equal(await page.locator("#connect-to-label").textContent(), "Verbindung");
  assert.equal((await page.locator('label:has([data-testid="settings-connect-office"])').textContent()).trim(), "über das Büro-Gateway");
  assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "labels, hints and errors wrap inside the window");
  await page.getByTestId("settings-office-broker").scrollIntoViewIfNeeded();
  await screenshot(page, "i18n-settings-office-de");
  await assertClean(app);
  await app.context.close();
});

test("in office mode a refusal from the gateway is shown to her as its sentence, in plain text, never as code or JSON", async () => {
  // As src-tauri's errors.rs makes it of the gateway's RequestError::NotYourExtension: the UI's
  // code, the gateway's finer word as the reason, the gateway's sentence as the message.
  const sentence = "Extension 1002 is not one of this desk's (1001): a desk acts only from its own phones.";
  const refusal = { code: "pbx_refused", reason: "not_your_extension", message: sentence };
  const office = {
    get_status: { connection: { state: "connected", message: "Connected through the office gateway at broker.office.lan." }, demo: false, extensions: ["1001"] },
    get_settings: { ...OLD_SETTINGS, office: OFFICE, hasBrokerPassword: true },
    dial: { __error: refusal },
  };
  const shown = async (page) => {
    const message = page.getByTestId("dial-message");
    await page.getByTestId("dial-input").fill("1003");
    await page.getByTestId("dial-input").press("Enter");
    await message.filter({ hasText: sentence }).waitFor();
    assert.equal(await message.evaluate((m) => m.children.length), 0, "text only, no markup");
    const text = await message.textContent();
    for (const raw of ["{", "}", "pbx_refused", "not_your_extension", "code", "message", "[object"])
      assert.ok(!text.includes(raw), `${JSON.stringify(text)} shows ${raw}`);
    return text;
  };

  const app = await openApp(browser, server.url, "index.html", shell(office), VIEWPORT);
  assert.equal(await shown(app.page), sentence, "in English, the gateway's own sentence");
  assert.deepEqual(await invocations(app.page, "dial"), [{ number: "1003" }]);
  await assertClean(app);
  await app.context.close();

  const de = await openApp(browser, server.url, "index.html", shell(office), VIEWPORT, { locale: "de-DE" });
  assert.equal(
    await shown(de.page),
    `Die Telefonanlage hat das abgelehnt. Wenden Sie sich an die Betreuung Ihrer Telefonanlage, wenn es wieder passiert. (${sentence})`,
    "in German, the code's sentence with the gateway's words after it",
  );
  assert.deepEqual(de.pageErrors, []);
  await de.context.close();
});

test("every command these tests invoked is granted to the main window by src-tauri's capability", async () => {
  const invoked = commandsInvoked("main");
  for (const c of ["set_broker_password", "save_settings"]) assert.ok(invoked.includes(c), `the tests above invoked ${c}`);
  const granted = await commandsGranted("main");
  assert.deepEqual(invoked.filter((c) => !granted.includes(c)), [], "a command missing from the capability would be refused in the real app");
});
