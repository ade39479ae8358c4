// The popup and the main window in German and in Simplified Chinese, picked
// from the locale the webview reports, as the app picks them from the OS:
// translated text in place, nothing wider than the window (long German
// compounds, CJK lines), screenshots kept in artifacts/screenshots/ to be
// looked at. Also the Settings switch, which overrides the locale.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { cspViolations, emit, fixture, invocations, launchBrowser, openApp, overflowing, popupChanges, screenshot, serveDist } from "./support.mjs";

const CARD = "ringside://card";
const CONTEXT = "ringside://caller-context";
const POPUP_WINDOW = { width: 380, height: 480 };
const MAIN_WINDOW = { width: 1100, height: 900 };
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const SETTINGS = {
  profile: "genericAsterisk", host: "pbx.local", port: 5038, tls: false, amiUser: "r", hasSecret: false,
  extensions: ["1001"], watchedGroups: [], countryCode: "1", trunkPrefix: "", crmUrlTemplate: "",
  popupPosition: "bottomRight", popupDurationSecs: 20, notifications: true, startWithOs: false,
  recallAfterSecs: 20, watchedQueues: [],
};
const NOW = T0 + 60_000;

/** What each language must say, and a caller from its own country (an emoji included: it must not be a box). */
const LANGS = {
  de: {
    locale: "de-DE",
    caller: "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung 📞",
    ringing: "Klingelt bei 1001",
    callsToday: "Heute 3 Mal angerufen",
    tab: "Anrufe",
    waiting: /^wartet \d:\d\d$/,
    summary: "1 wartend · 1 von 1 Agent frei",
  },
  "zh-CN": {
    locale: "zh-CN",
    caller: "北京华夏国际物流有限公司 🙂",
    ringing: "正在 1001 振铃",
    callsToday: "今天已来电 3 次",
    tab: "通话",
    waiting: /^已等待 \d:\d\d$/,
    summary: "1 人等待 · 1 个坐席中 1 个空闲",
  },
};

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

test("the fonts for CJK and emoji are installed (scripts/setup-debian.sh), so the screenshots show glyphs, not boxes", async () => {
  const run = promisify(execFile);
  const cjk = (await run("fc-list", [":lang=zh-cn", "family"])).stdout;
  const emoji = (await run("fc-list", ["Noto Color Emoji", "family"])).stdout;
  assert.match(cjk, /Noto (Sans|Serif) CJK/, "fonts-noto-cjk is missing: Chinese would render as empty boxes");
  assert.match(emoji, /Noto Color Emoji/, "fonts-noto-color-emoji is missing: an emoji in a caller's name would be a box");
});

for (const [lang, want] of Object.entries(LANGS)) {
  test(`popup in ${lang}: picked from the locale, statuses and counts translated, a long name stays inside the card`, async () => {
    const truth = await fixture("incoming-answered");
    const app = await openApp(
      browser,
      server.url,
      "popup.html",
      { get_status: { connection: { state: "connected", message: "" }, demo: false, extensions: ["1001"] }, get_presence: [], list_live_calls: [], get_console: { parked: [], queues: [], voicemail: [], offers: [] } },
      POPUP_WINDOW,
      { locale: want.locale },
    );
    const { page } = app;
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang, "<html lang> follows the language, for line breaking and hyphens");
    assert.notEqual(await page.getByTestId("no-calls").textContent(), "No calls ringing.", "the static text is translated");
    const [popup] = popupChanges("1700000000.11", truth);
    await emit(page, CARD, { ...popup, caller_name: want.caller });
    const card = page.getByTestId("card");
    await card.waitFor();
    assert.equal(await card.getByTestId("card-status").textContent(), want.ringing);
    await emit(page, CONTEXT, {
      call: popup.call,
      callerContext: {
        contact: { id: 7, name: want.caller, company: want.caller, numbers: [popup.caller_num] },
        callsToday: 3,
        recentCalls: [
          { callId: "1", direction: "inbound", remoteNum: popup.caller_num, outcome: "missed", startedAtMs: Date.now() - 3_600_000, notes: [] },
          { callId: "2", direction: "inbound", remoteNum: popup.caller_num, outcome: "abandoned", startedAtMs: Date.now() - 7_200_000, notes: [], queue: { queue: "support", waited_ms: 70_000 } },
        ],
      },
    });
    await card.getByTestId("calls-today").waitFor();
    assert.equal(await card.getByTestId("calls-today").textContent(), want.callsToday);
    assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "nothing sticks out of the popup window");
    await screenshot(page, `i18n-popup-${lang}`);
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(await cspViolations(page), []);
    await app.context.close();
  });

  test(`main window in ${lang}: tabs, board, queues with a ticking wait, and Settings' long labels fit`, async () => {
    const settings = {
      profile: "freePbx", host: "pbx.local", port: 5038, tls: false, amiUser: "ringside", hasSecret: true,
      extensions: ["1001"], watchedGroups: [], countryCode: "49", trunkPrefix: "0", crmUrlTemplate: "",
      popupPosition: "bottomRight", popupDurationSecs: 20, notifications: true, startWithOs: false,
      recallAfterSecs: 20, watchedQueues: [],
    };
    const queue = {
      name: "support",
      callers: [{ call: "q-1", uniqueid: "1.1", channel: "PJSIP/t-1", position: 1, caller_num: "+4930123456", caller_name: want.caller, joined_ms: NOW - 42_000 }],
      members: [{ interface: "PJSIP/1002", name: "Bob", extension: "1002", state: "not_in_use", paused: false, paused_reason: null, in_call: false, calls_taken: 1 }],
      summary: null,
    };
    const app = await openApp(
      browser,
      server.url,
      "index.html",
      {
        get_status: { connection: { state: "connected", message: "" }, demo: true, extensions: ["1001"] },
        get_presence: [
          { extension: "1001", name: "Anna", state: "idle" },
          { extension: "1002", name: want.caller, state: "inUse", talkingTo: "+4930123456" },
        ],
        list_live_calls: [],
        search_history: [],
        list_missed: { rows: [], older: false },
        search_contacts: [],
        search_sms: [],
        get_settings: settings,
        get_console: {
          parked: [{ call: "p-71", slot: "71", lot: "default", caller_num: "+4930123456", caller_name: want.caller, parked_by: "1001", since_ms: NOW - 30_000, channel: "PJSIP/t-71" }],
          queues: [queue],
          voicemail: [{ extension: "1002", count: 2 }],
          offers: ["pickup", "park", "retrieve", "queue_pause", "queue_member", "voicemail"].map((action) => ({ action, allowed: true, why: null })),
        },
      },
      MAIN_WINDOW,
      { locale: want.locale, clock: T0 },
    );
    const { page } = app;
    await page.clock.pauseAt(NOW);
    assert.equal(await page.getByTestId("tab-calls").textContent(), want.tab);
    const q = page.locator('[data-testid="queue"][data-queue="support"]');
    await q.waitFor();
    assert.equal(await q.getByTestId("queue-summary").textContent(), want.summary);
    assert.match(await q.getByTestId("queue-waiting").textContent(), want.waiting, "the waiting time goes through the catalog");
    assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "nothing sticks out of the main window");
    await screenshot(page, `i18n-main-${lang}`);
    await page.getByTestId("tab-settings").click();
    assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "Settings' labels and hints wrap inside the window");
    await screenshot(page, `i18n-settings-${lang}`);
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(await cspViolations(page), []);
    await app.context.close();
  });
}

test("the Settings switch overrides the locale, names each language in its own words, and Automatic goes back", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    {
      get_status: { connection: { state: "connected", message: "" }, demo: false, extensions: ["1001"] },
      get_presence: [], list_live_calls: [], search_history: [], list_missed: { rows: [], older: false },
      search_contacts: [], search_sms: [], get_settings: SETTINGS,
      get_console: { parked: [], queues: [], voicemail: [], offers: [] },
      set_shown_language: null,
    },
    MAIN_WINDOW,
    { locale: "en-US" },
  );
  const { page } = app;
  assert.deepEqual(await invocations(page, "set_shown_language"), [{ language: "en" }], "the tray and notifications are told the language shown");
  await page.getByTestId("tab-settings").click();
  const select = page.getByTestId("settings-language");
  assert.deepEqual(await select.locator("option").allTextContents(), [
    "Automatic (English)", "English", "Deutsch", "Français", "Español", "Italiano", "Português (Brasil)", "Türkçe", "简体中文",
  ]);
  assert.equal(await select.inputValue(), "auto");
  await Promise.all([page.waitForEvent("load"), select.selectOption("tr")]);
  await page.locator('body[data-ready="true"]').waitFor();
  assert.equal(await page.getByTestId("tab-settings").textContent(), "Ayarlar", "the choice applies after the reload");
  assert.equal(await page.getByTestId("settings-language").inputValue(), "tr", "and is kept");
  assert.deepEqual(await invocations(page, "set_shown_language"), [{ language: "tr" }], "the reloaded window tells the shell the new language");
  await page.getByTestId("tab-settings").click();
  await Promise.all([page.waitForEvent("load"), page.getByTestId("settings-language").selectOption("auto")]);
  await page.locator('body[data-ready="true"]').waitFor();
  assert.equal(await page.getByTestId("tab-settings").textContent(), "Settings", "Automatic follows the locale again");
  await app.context.close();
});

test("in German, the shell's refusal is its code's German sentence with the shell's own words after it, and the dialer's check speaks German", async () => {
  const shellSentence = "Ringside is not connected to the PBX, so it cannot dial.";
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    {
      get_status: { connection: { state: "unreachable", message: "pbx.local:5038 did not answer." }, demo: false, extensions: ["1001"] },
      get_presence: [], list_live_calls: [], search_history: [], list_missed: { rows: [], older: false },
      search_contacts: [], search_sms: [], get_settings: SETTINGS,
      get_console: { parked: [], queues: [], voicemail: [], offers: [] },
      dial: { __error: { code: "not_connected", message: shellSentence } },
    },
    MAIN_WINDOW,
    { locale: "de-DE" },
  );
  const { page } = app;
  assert.equal(await page.getByTestId("connection-state").textContent(), "Telefonanlage nicht erreichbar");
  const input = page.getByTestId("dial-input");
  const message = page.getByTestId("dial-message");
  await input.fill("1003x");
  await input.press("Enter");
  assert.equal(
    await message.textContent(),
    "Nicht anrufbar: „x“ ist in einer Telefonnummer nicht erlaubt. Verwenden Sie Ziffern, * und #, am Anfang optional ein +.",
  );
  await input.fill("1003");
  await input.press("Enter");
  await message.filter({ hasText: shellSentence }).waitFor();
  assert.equal(
    await message.textContent(),
    `Ringside ist gerade nicht mit der Telefonanlage verbunden. Prüfen Sie die Einstellungen oder warten Sie, bis die Verbindung wieder steht. (${shellSentence})`,
  );
  assert.deepEqual(app.pageErrors, []);
  await app.context.close();
});
