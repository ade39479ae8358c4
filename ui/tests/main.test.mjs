// The main window in real Chromium with the shell mocked: connection status,
// demo banner, colleagues board (click to call, drop to transfer), the
// dialer's refusal of smuggled dial strings, history, contacts and settings.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { commandsGranted, commandsInvoked, cspViolations, emit, invocations, launchBrowser, openApp, recordCommands, screenshot, serveDist } from "./support.mjs";

const VIEWPORT = { width: 1100, height: 800 };
const HOSTILE = "<img src=x onerror=alert(document.domain)>";

const COLLEAGUES = [
  { extension: "1001", name: "Alice Front Desk", state: "idle" },
  { extension: "1002", name: "Bob Sales", state: "idle" },
  { extension: "1003", name: "Carol Support", state: "inUse", talkingTo: "+15550001111" },
];

const SETTINGS = {
  profile: "genericAsterisk",
  host: "pbx.local",
  port: 5038,
  tls: false,
  amiUser: "ringside",
  hasSecret: false,
  extensions: ["1001"],
  watchedGroups: ["600"],
  countryCode: "1",
  trunkPrefix: "",
  crmUrlTemplate: "https://crm.example/search?phone={number}",
  popupPosition: "bottomRight",
  popupDurationSecs: 20,
  notifications: true,
  notifyWithPopup: false,
  startWithOs: false,
  gsmSpan: 2,
  recallAfterSecs: 20,
  watchedQueues: [],
};

function row(callId, fields) {
  return {
    callId,
    direction: "inbound",
    remoteNum: "+15551234567",
    remoteName: "ACME Corp",
    outcome: "answered",
    startedAtMs: Date.now() - 600_000,
    talkSeconds: 30,
    calledBack: false,
    notes: [],
    ...fields,
  };
}

function shell(extra = {}) {
  return {
    get_status: {
      connection: { state: "connected", message: "Connected to Asterisk 23.4.1 at pbx.local:5038" },
      demo: false,
      extensions: ["1001"],
    },
    get_presence: COLLEAGUES,
    list_live_calls: [],
    search_history: [],
    list_missed: { rows: [], older: false },
    search_contacts: [],
    search_sms: [],
    get_settings: SETTINGS,
    dial: null,
    transfer: null,
    // The attendant console with nothing parked or queued (console.test.mjs tests it).
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

test("connection status says the last error in plain words; the demo banner shows in demo mode", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({
      get_status: {
        connection: { state: "authFailed", message: "Wrong AMI password for user 'ringside' on pbx.local:5038." },
        demo: true,
        extensions: ["1001"],
      },
    }),
    VIEWPORT,
  );
  const { page } = app;
  assert.equal(await page.getByTestId("connection-state").textContent(), "Login refused");
  assert.equal(await page.getByTestId("connection-message").textContent(), "Wrong AMI password for user 'ringside' on pbx.local:5038.");
  assert.equal(await page.getByTestId("demo-banner").isVisible(), true);
  assert.equal((await page.getByTestId("demo-banner").textContent()).trim(), "This is the demo PBX. Open Settings to connect your own PBX.");

  await emit(page, "ringside://connection", { state: "connected", message: "Connected to the demo PBX.", version: "Asterisk 23.4.1" });
  assert.equal(await page.getByTestId("connection-state").textContent(), "Connected");
  assert.equal(await page.getByTestId("connection-message").textContent(), "Connected to the demo PBX.");
  assert.equal(await page.getByTestId("connection").getAttribute("data-state"), "connected");
  await assertClean(app);
  await app.context.close();

  const real = await openApp(browser, server.url, "index.html", shell(), VIEWPORT);
  assert.equal(await real.page.getByTestId("demo-banner").isVisible(), false, "no demo banner on a real PBX");
  await real.context.close();
});

test("colleagues board: live presence, click to call, drop a live call to transfer", async () => {
  const liveCall = {
    call: "1700000000.11",
    caller_num: "+15551234567",
    caller_name: "ACME Corp",
    direction: "inbound",
    trunk: "carrier",
    did: "5550100",
    queue: null,
    dialed: null,
    from_extension: null,
    ringing: [],
    rang: ["1001"],
    state: "answered",
    answered_by: "1001",
    answered_by_trunk: null,
    answered_at_ms: 1,
    transfers: [],
    started_at_ms: 0,
  };
  const app = await openApp(browser, server.url, "index.html", shell({ list_live_calls: [liveCall] }), VIEWPORT);
  const { page } = app;
  const board = page.getByTestId("colleague");
  assert.deepEqual(await board.evaluateAll((els) => els.map((e) => e.dataset.extension)), ["1001", "1002", "1003"]);
  const carol = page.locator('[data-testid="colleague"][data-extension="1003"]');
  assert.equal(await carol.getByTestId("colleague-detail").textContent(), "1003 · On a call with +15550001111");

  // Presence updates in place: the button she tabbed to keeps the focus, and
  // a colleague whose presence did not change is not redrawn.
  const bob = page.locator('[data-testid="colleague"][data-extension="1002"]');
  await bob.focus();
  await page.evaluate(() => {
    window.__untouched = document.querySelector('[data-extension="1001"] .colleague-detail');
  });
  await emit(page, "ringside://presence", COLLEAGUES.map((c) => (c.extension === "1002" ? { ...c, state: "ringing" } : c)));
  assert.equal(await bob.getAttribute("data-state"), "ringing");
  assert.equal(await bob.getByTestId("colleague-detail").textContent(), "1002 · Ringing");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.extension), "1002", "the update kept the focus");
  assert.ok(await page.evaluate(() => window.__untouched.isConnected), "1001's row was left as it was");

  await bob.click();
  await page.getByTestId("dial-message").filter({ hasText: "Calling Bob Sales (1002)" }).waitFor();
  assert.deepEqual(await invocations(page, "dial"), [{ number: "1002" }]);

  const chip = page.getByTestId("live-call");
  assert.match(await chip.textContent(), /ACME Corp · with 1001/);
  await screenshot(page, "main-calls");
  await chip.dragTo(carol);
  await page.getByTestId("board-message").filter({ hasText: "Transferred ACME Corp to Carol Support (1003)." }).waitFor();
  assert.deepEqual(await invocations(page, "transfer"), [{ call: liveCall.call, target: "1003", attended: false }]);

  // The same without a mouse: choose the call, then the colleague.
  await chip.focus();
  await page.keyboard.press("Enter");
  assert.equal(await chip.getAttribute("aria-pressed"), "true");
  await bob.focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("board-message").filter({ hasText: "Transferred ACME Corp to Bob Sales (1002)." }).waitFor();
  assert.deepEqual((await invocations(page, "transfer"))[1], { call: liveCall.call, target: "1002", attended: false });
  assert.equal((await invocations(page, "dial")).length, 1, "choosing a colleague during a transfer does not also call them");

  // The shell pushes the whole list of live calls as they change.
  await emit(page, "ringside://live-calls", [{ ...liveCall, call: "1795445099.9", caller_name: "Globex", answered_by: "1002" }]);
  await page.getByTestId("live-call").filter({ hasText: "Globex · with 1002" }).waitFor();
  assert.equal(await page.getByTestId("live-call").count(), 1, "the ended call's chip is gone");
  await emit(page, "ringside://live-calls", []);
  await page.getByTestId("no-live-calls").waitFor();
  assert.equal((await invocations(page, "list_live_calls")).length, 1, "the pushed list needs no query");
  await assertClean(app);
  await app.context.close();
});

test("the dialer refuses an injected AMI string with a clear message and never invokes dial", async () => {
  const app = await openApp(browser, server.url, "index.html", shell(), VIEWPORT);
  const { page } = app;
  const input = page.getByTestId("dial-input");
  await input.fill("1002\r\nAction: Originate");
  await page.getByTestId("dial-button").click();
  const message = page.getByTestId("dial-message");
  // A text field drops the line break itself; what is left still holds letters and is refused.
  assert.match(await message.textContent(), /^Cannot call this: "A" is not allowed in a phone number\./);
  assert.equal(await message.getAttribute("data-kind"), "error");
  assert.equal(await input.getAttribute("aria-invalid"), "true");
  await input.press("Enter");
  assert.deepEqual(await invocations(page, "dial"), [], "dial was never invoked");

  for (const bad of ["1002;1003", "+1+2", "1001 & 1002"]) {
    await input.fill(bad);
    await page.getByTestId("dial-button").click();
    assert.match(await message.textContent(), /^Cannot call this/, `refuses ${bad}`);
  }
  assert.deepEqual(await invocations(page, "dial"), [], "dial was never invoked");

  // Spaces, dashes and parentheses are layout, not part of the number.
  await input.fill(" +1 (555) 123-4567 ");
  await input.press("Enter");
  await message.filter({ hasText: "Calling +15551234567" }).waitFor();
  assert.deepEqual(await invocations(page, "dial"), [{ number: "+15551234567" }]);

  await input.fill("");
  for (const key of ["1", "0", "0", "2", "#"]) await page.getByTestId(`pad-${key}`).click();
  assert.equal(await input.inputValue(), "1002#");
  await page.getByTestId("dial-button").click();
  await message.filter({ hasText: "Calling 1002#" }).waitFor();

  // A name finds the contact, and one of their numbers is dialled.
  await page.evaluate(() => {
    window.__ringside.handlers.search_contacts = ({ text }) =>
      text === "wile" ? [{ id: 1, name: "Wile E. Coyote", company: "ACME Corp", numbers: ["+15551234567"] }] : [];
  });
  await input.fill("wile");
  await page.getByTestId("dial-match").click();
  assert.deepEqual((await invocations(page, "dial")).at(-1), { number: "+15551234567" });
  assert.deepEqual((await invocations(page, "search_contacts")).at(-1), { text: "wile" });

  // A dial from a tel: link or the hotkey waits for a yes, and a no dials nothing.
  const dialsBefore = (await invocations(page, "dial")).length;
  await emit(page, "ringside://confirm-dial", { number: "+15557654321", source: "link" });
  const confirm = page.getByTestId("confirm-dial");
  await confirm.waitFor();
  assert.equal(await page.getByTestId("confirm-dial-text").textContent(), "Call +15557654321? It came from a link you opened.");
  assert.equal((await invocations(page, "dial")).length, dialsBefore, "nothing is dialled before the user confirms");
  await page.getByTestId("confirm-dial-no").click();
  assert.equal(await confirm.isVisible(), false);
  assert.equal((await invocations(page, "dial")).length, dialsBefore, "cancel dials nothing");
  await emit(page, "ringside://confirm-dial", { number: "+15557654321", source: "hotkey" });
  await page.getByTestId("confirm-dial-yes").click();
  assert.deepEqual((await invocations(page, "dial")).at(-1), { number: "+15557654321" });

  // The tray's "Quick dial…" brings the dial box to the keyboard.
  await page.getByTestId("tab-settings").click();
  await emit(page, "ringside://focus-dialer", {});
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "dial-input");

  // The shell's refusal is shown as its sentence.
  await page.evaluate(() => {
    window.__ringside.responses.dial = { __error: { code: "not_connected", message: "Ringside is not connected to the PBX, so it cannot dial." } };
  });
  await input.fill("1003");
  await input.press("Enter");
  await message.filter({ hasText: "Ringside is not connected to the PBX, so it cannot dial." }).waitFor();
  await assertClean(app);
  await app.context.close();
});

test("history search passes the typed text and renders the rows; missed calls call back and add notes", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({
      list_missed: {
        rows: [
          row("m1", { remoteNum: "+442071234567", remoteName: "Initech", outcome: "missed" }),
          row("m2", {
            remoteNum: "+12015550111", remoteName: "Vandelay Industries", outcome: "abandoned",
            queue: { queue: "support", position: 2, end: "abandoned", waited_ms: 70_400 },
          }),
        ],
        older: false,
      },
      mark_called_back: null,
      add_note: { id: 5, callId: "m1", text: "Left a message", createdAtMs: 1 },
    }),
    VIEWPORT,
  );
  const { page } = app;
  await page.evaluate(() => {
    window.__ringside.handlers.search_history = ({ query }) => {
      const all = [
        {
          callId: "h1", direction: "inbound", remoteNum: "+15551234567", remoteName: "ACME Corp", contactName: "Wile E. Coyote",
          answeredBy: "1002", outcome: "answered", startedAtMs: Date.now() - 60_000, talkSeconds: 40, calledBack: false,
          notes: [{ id: 1, text: "Wants a quote for 40 rockets", createdAtMs: 0 }],
        },
        {
          callId: "h2", direction: "inbound", remoteNum: "+15550006666", remoteName: "<img src=x onerror=alert(document.domain)>",
          outcome: "missed", startedAtMs: Date.now() - 120_000, calledBack: false, notes: [],
        },
      ];
      const t = (query.text ?? "").toLowerCase();
      return all.filter((r) => !t || JSON.stringify(r).toLowerCase().includes(t));
    };
  });
  await page.getByTestId("tab-history").click();
  const search = page.getByTestId("history-search");
  await search.fill("rockets");
  await page.getByTestId("history-search-button").click();
  const rows = page.getByTestId("history-row");
  await page.locator('[data-testid="history-row"][data-call="h1"]').waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal((await invocations(page, "search_history")).at(-1).query.text, "rockets");
  assert.equal(await rows.getByTestId("row-caller").textContent(), "Wile E. Coyote");
  assert.equal(await rows.getByTestId("row-number").textContent(), "+15551234567");
  assert.equal(await rows.getByTestId("row-outcome").textContent(), "Answered by 1002");
  assert.equal(await rows.getByTestId("row-note").textContent(), "Wants a quote for 40 rockets");

  await search.fill("");
  await page.getByTestId("history-search-button").click();
  await page.locator('[data-testid="history-row"][data-call="h2"]').waitFor();
  assert.equal(await page.locator('[data-call="h2"] [data-testid="row-caller"]').textContent(), HOSTILE);
  assert.equal(await page.locator("img").count(), 0, "a hostile name in history stays text");
  assert.deepEqual((await invocations(page, "search_history")).at(-1), { query: { limit: 200 } }, "an empty search sends no text");

  // Calls ending elsewhere refresh the list while she writes a note: the
  // draft, its focus and the untouched rows stay.
  await page.locator('[data-call="h1"] [data-testid="row-add-note"]').click();
  const draft = page.locator('[data-call="h1"] [data-testid="row-note-input"]');
  await draft.fill("Call back about the 40 rock");
  await page.evaluate(() => {
    window.__h2 = document.querySelector('[data-testid="history-row"][data-call="h2"]');
    const base = window.__ringside.handlers.search_history;
    window.__ringside.handlers.search_history = (args) => {
      const rows = base(args).map((r) =>
        r.callId === "h1" ? { ...r, notes: [...r.notes, { id: 2, text: "Colleague: sent the brochure", createdAtMs: 1 }] } : r,
      );
      return [{ callId: "h0", direction: "inbound", remoteNum: "+15550007777", outcome: "answered", startedAtMs: Date.now(), calledBack: false, notes: [] }, ...rows];
    };
  });
  await emit(page, "ringside://history-changed", {});
  await page.locator('[data-testid="history-row"][data-call="h0"]').waitFor();
  await page.locator('[data-call="h1"] [data-testid="row-note"]').filter({ hasText: "Colleague: sent the brochure" }).waitFor();
  assert.equal(await draft.inputValue(), "Call back about the 40 rock", "the half-typed note survives the refresh");
  assert.ok(await draft.isVisible());
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "row-note-input");
  assert.ok(await page.evaluate(() => window.__h2.isConnected), "an unchanged row is the same element");
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.dataset.call)), ["h0", "h1", "h2"]);

  await page.getByTestId("history-outcome").selectOption("missed");
  await page.waitForFunction(() => window.__ringside.calls.filter((c) => c.cmd === "search_history").at(-1).args.query.outcome === "missed");
  await screenshot(page, "main-history");

  const missed = page.locator('[data-testid="missed-row"][data-call="m1"]');
  assert.equal(await missed.getByTestId("row-caller").textContent(), "Initech");
  assert.equal(await missed.getByTestId("row-outcome").textContent(), "Missed");
  assert.equal(
    await page.locator('[data-testid="missed-row"][data-call="m2"]').getByTestId("row-outcome").textContent(),
    "Gave up in queue support after 1:10",
    "a caller who gave up in a queue says which queue and how long they waited",
  );
  await missed.getByTestId("row-call-back").click();
  assert.deepEqual((await invocations(page, "dial")).at(-1), { number: "+442071234567" });
  await missed.getByTestId("row-add-note").click();
  await missed.getByTestId("row-note-input").fill("Left a message");
  await missed.getByTestId("row-note-save").click();
  await page.getByTestId("missed-message").filter({ hasText: "Note saved." }).waitFor();
  assert.deepEqual(await invocations(page, "add_note"), [{ callId: "m1", number: "+442071234567", text: "Left a message" }]);
  await missed.getByTestId("row-called-back").click();
  await page.waitForFunction(() => window.__ringside.calls.some((c) => c.cmd === "mark_called_back"));
  assert.deepEqual(await invocations(page, "mark_called_back"), [{ callId: "m1" }]);

  // A recorded call refreshes both lists without a click.
  const before = (await invocations(page, "list_missed")).length;
  await emit(page, "ringside://history-changed", {});
  await page.waitForFunction((n) => window.__ringside.calls.filter((c) => c.cmd === "list_missed").length > n, before);
  await assertClean(app);
  await app.context.close();
});

test("missed calls come a page at a time: Older asks after the page's last call, Newer goes back, a new missed call refreshes the page she is on", async () => {
  // 250 missed calls, one a minute, newest first; the shell pages them by 100.
  const all = Array.from({ length: 250 }, (_, i) => row(`m${i}`, { outcome: "missed", startedAtMs: Date.now() - (i + 1) * 60_000 }));
  const app = await openApp(browser, server.url, "index.html", shell({}), VIEWPORT);
  const { page } = app;
  await page.evaluate((all) => {
    window.__ringside.handlers.list_missed = ({ beforeMs, beforeCall }) => {
      const from = beforeCall === undefined ? 0 : all.findIndex((r) => r.callId === beforeCall) + 1;
      if (beforeCall !== undefined && all[from - 1].startedAtMs !== beforeMs) throw { code: "invalid_input", message: "cursor mismatch" };
      return { rows: all.slice(from, from + 100), older: from + 100 < all.length };
    };
  }, all);
  await emit(page, "ringside://history-changed", {});
  await page.getByTestId("tab-history").click();
  const rows = page.getByTestId("missed-rows").locator("tr");
  await page.getByTestId("missed-range").filter({ hasText: "Missed calls 1–100" }).waitFor();
  assert.equal(await rows.count(), 100);
  assert.equal(await page.getByTestId("missed-newer").isDisabled(), true);
  await page.getByTestId("missed-older").click();
  await page.getByTestId("missed-range").filter({ hasText: "Missed calls 101–200" }).waitFor();
  assert.equal(await rows.first().getAttribute("data-call"), "m100");
  assert.deepEqual((await invocations(page, "list_missed")).at(-1), { beforeMs: all[99].startedAtMs, beforeCall: "m99" });
  await page.getByTestId("missed-older").click();
  await page.getByTestId("missed-range").filter({ hasText: "Missed calls 201–250 (the oldest of the last 30 days)" }).waitFor();
  assert.equal(await rows.count(), 50, "the window holds one page, never the whole list");
  assert.equal(await page.getByTestId("missed-older").isDisabled(), true);
  // A call recorded meanwhile refreshes the page she is on, not the first.
  const before = (await invocations(page, "list_missed")).length;
  await emit(page, "ringside://history-changed", {});
  await page.waitForFunction((n) => window.__ringside.calls.filter((c) => c.cmd === "list_missed").length > n, before);
  assert.deepEqual((await invocations(page, "list_missed")).at(-1), { beforeMs: all[199].startedAtMs, beforeCall: "m199" });
  await page.getByTestId("missed-newer").click();
  await page.getByTestId("missed-newer").click();
  await page.getByTestId("missed-range").filter({ hasText: "Missed calls 1–100" }).waitFor();
  assert.equal(await rows.first().getAttribute("data-call"), "m0");
  await assertClean(app);
  await app.context.close();
});

test("while the Calls tab shows, a change to history reloads nothing; showing History reloads its three lists once, busy until they are in", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({}), VIEWPORT);
  const { page } = app;
  const reloads = () =>
    page.evaluate(() => ["search_history", "list_missed", "search_sms"].map((cmd) => window.__ringside.calls.filter((c) => c.cmd === cmd).length));
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  const atStart = await reloads();
  assert.deepEqual(atStart, [1, 1, 1], "the lists are read once at start");
  for (let i = 0; i < 5; i++) await emit(page, "ringside://history-changed", {});
  await page.waitForTimeout(300);
  assert.deepEqual(await reloads(), atStart, "a hidden History tab is only marked stale");
  // The lists answer only when the test lets them: the panel says it is busy meanwhile.
  await page.evaluate(() => {
    window.__release = [];
    window.__ringside.handlers.search_history = () => new Promise((r) => window.__release.push(() => r([])));
  });
  await page.getByTestId("tab-history").click();
  await page.waitForFunction(() => window.__release.length === 1);
  assert.equal(await page.locator("#panel-history").getAttribute("aria-busy"), "true");
  assert.deepEqual(await reloads(), [2, 2, 2], "showing the tab reloads each list once, however many changes came");
  await page.evaluate(() => window.__release.shift()());
  await page.waitForFunction(() => !document.getElementById("panel-history").hasAttribute("aria-busy"));
  // Shown, a change reloads at once; going back to Calls and returning with nothing new reloads nothing.
  await page.evaluate(() => {
    window.__ringside.handlers.search_history = () => [];
  });
  await emit(page, "ringside://history-changed", {});
  await page.waitForFunction(() => window.__ringside.calls.filter((c) => c.cmd === "search_sms").length === 3);
  await page.getByTestId("tab-calls").click();
  await page.getByTestId("tab-history").click();
  await page.waitForTimeout(300);
  assert.deepEqual(await reloads(), [3, 3, 3]);
  await assertClean(app);
  await app.context.close();
});

test("settings: field-named errors, profile ports, the secret goes to set_secret and is never shown back", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({
      save_settings: null,
      set_secret: null,
      test_connection: {
        steps: [
          { name: "Reach pbx.example.org:7777", ok: true, message: "TCP connection opened in 12 ms." },
          { name: "Log in", ok: false, message: "Wrong AMI password for user 'ringside' on pbx.example.org:7777." },
        ],
      },
    }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  assert.equal(await page.getByTestId("settings-host").inputValue(), "pbx.local");
  assert.match(await page.getByTestId("secret-state").textContent(), /Not set yet/);

  await page.getByTestId("settings-host").fill("");
  await page.getByTestId("settings-port").fill("99999");
  await page.getByTestId("settings-tls").check();
  await page.getByTestId("settings-fingerprint").fill("AB:CD:not-a-fingerprint");
  await page.getByTestId("settings-save").click();
  assert.match(await page.getByTestId("error-host").textContent(), /^Host: /);
  assert.equal(await page.getByTestId("error-port").textContent(), "Port: must be a whole number from 1 to 65535.");
  assert.match(await page.getByTestId("error-pinnedFingerprint").textContent(), /^Pinned certificate: a SHA-256 fingerprint is 64 hexadecimal digits/);
  assert.equal(await page.getByTestId("settings-host").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByTestId("settings-errors").isVisible(), true);
  assert.equal(await page.getByTestId("settings-error").count(), 3, "exactly the three bad fields are reported");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "settings-errors", "focus moves to the summary");
  await screenshot(page, "main-settings-errors");
  assert.deepEqual(await invocations(page, "save_settings"), [], "nothing invalid is sent");

  await page.getByTestId("settings-tls").uncheck();
  await page.getByTestId("settings-profile").selectOption("grandstreamUcm");
  assert.equal(await page.getByTestId("settings-port").inputValue(), "7777", "Grandstream UCM's AMI port");
  await page.getByTestId("settings-tls").check();
  assert.equal(await page.getByTestId("settings-port").inputValue(), "5039", "Grandstream UCM's AMI-over-TLS port");
  await page.getByTestId("settings-profile").selectOption("yeastarS");
  assert.equal(await page.getByTestId("settings-port").inputValue(), "5038");
  await page.getByTestId("settings-tls").uncheck();
  await page.getByTestId("settings-profile").selectOption("grandstreamUcm");
  await page.getByTestId("settings-tls").check();
  await page.getByTestId("settings-port").fill("7777");

  const secret = "s3cret-Ringside!";
  const fingerprint = "ab".repeat(32);
  await page.getByTestId("settings-host").fill("pbx.example.org");
  await page.getByTestId("settings-fingerprint").fill(fingerprint);
  await page.getByTestId("settings-secret").fill(secret);
  assert.equal(await page.getByTestId("settings-notify-with-popup").isChecked(), false, "the form shows the saved choice: popup alone");
  await page.getByTestId("settings-notify-with-popup").check();
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  assert.equal(await page.getByTestId("settings-errors").isVisible(), false);
  assert.equal(await page.getByTestId("error-host").textContent(), "");
  assert.deepEqual(await invocations(page, "set_secret"), [{ secret }]);
  assert.equal(await page.getByTestId("settings-secret").inputValue(), "", "the secret field is cleared after set_secret");
  assert.match(await page.getByTestId("secret-state").textContent(), /^Saved in the system keyring/);
  const [saved] = await invocations(page, "save_settings");
  assert.equal(saved.settings.host, "pbx.example.org");
  assert.equal(saved.settings.port, 7777);
  assert.equal(saved.settings.profile, "grandstreamUcm");
  assert.equal(saved.settings.pinnedFingerprint, "AB:".repeat(31) + "AB", "the fingerprint is sent in one canonical form");
  assert.equal(saved.settings.notifyWithPopup, true, "asking for both the popup and the notification reaches save_settings");
  const order = await page.evaluate(() =>
    window.__ringside.calls.map((x) => x.cmd).filter((c) => c === "save_settings" || c === "set_secret"),
  );
  assert.deepEqual(order, ["save_settings", "set_secret"], "settings first: the keyring entry is named after the saved user and host");
  assert.ok(!JSON.stringify(saved).includes(secret), "the secret never travels with the settings");
  assert.ok(!(await page.content()).includes(secret), "the secret is nowhere in the page");

  await page.getByTestId("settings-test").click();
  await page.getByTestId("test-step").nth(1).waitFor();
  const steps = await page.getByTestId("test-step").evaluateAll((els) => els.map((e) => [e.dataset.ok, e.textContent]));
  assert.deepEqual(steps, [
    ["true", "Reach pbx.example.org:7777: TCP connection opened in 12 ms."],
    ["false", "Log in: Wrong AMI password for user 'ringside' on pbx.example.org:7777."],
  ]);
  assert.equal(await page.getByTestId("settings-message").getAttribute("data-kind"), "error");
  assert.equal((await invocations(page, "set_secret")).length, 1, "an empty secret field sends nothing to the keyring");
  await assertClean(app);
  await app.context.close();

  // After a restart the shell says only that a secret exists; the field stays empty.
  const again = await openApp(browser, server.url, "index.html", shell({ get_settings: { ...SETTINGS, hasSecret: true } }), VIEWPORT);
  await again.page.getByTestId("tab-settings").click();
  assert.equal(await again.page.getByTestId("settings-secret").inputValue(), "");
  assert.match(await again.page.getByTestId("secret-state").textContent(), /^Saved in the system keyring/);
  await again.context.close();
});

test("settings: the CRM link must be an http(s) address with {number}; anything else is refused before saving", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({ save_settings: null }), VIEWPORT);
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  const refused = [
    "javascript:alert(document.cookie)//{number}",
    "JAVASCRIPT:alert(1)//{number}",
    "file:///etc/passwd?{number}",
    "data:text/html,<script>alert(1)</script>{number}",
    "crm.example/search?phone={number}",
    "//crm.example/search?phone={number}",
    "https:///etc/passwd?{number}",
    "https://crm.example/a b?phone={number}",
    "https://crm.example/search",
  ];
  for (const template of refused) {
    await page.getByTestId("settings-crm").fill(template);
    await page.getByTestId("settings-save").click();
    assert.match(await page.getByTestId("error-crmUrlTemplate").textContent(), /^CRM link: /, `${template} must be refused`);
  }
  assert.deepEqual(await invocations(page, "save_settings"), [], "no refused CRM link reaches save_settings");
  await page.getByTestId("settings-crm").fill("HTTPS://crm.example:8443/search?phone={number}");
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  assert.equal(await page.getByTestId("error-crmUrlTemplate").textContent(), "");
  const [saved] = await invocations(page, "save_settings");
  assert.equal(saved.settings.crmUrlTemplate, "HTTPS://crm.example:8443/search?phone={number}");
  await assertClean(app);
  await app.context.close();
});

test("contacts: import sends the file's text and shows what was skipped; export downloads the CSV", async () => {
  const csv = "name,company,number\nWile E. Coyote,ACME Corp,+15551234567\n";
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({
      import_contacts: { imported: 1, skipped: [{ line: 3, reason: "no phone number" }] },
      export_contacts: csv,
    }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-contacts").click();
  const content = "name,company,number\nWile E. Coyote,ACME Corp,+15551234567\nNo Number,,\n";
  await page.getByTestId("contacts-import").setInputFiles({ name: "office.csv", mimeType: "text/csv", buffer: Buffer.from(content) });
  await page.getByTestId("import-summary").waitFor();
  assert.deepEqual(await invocations(page, "import_contacts"), [{ fileName: "office.csv", content }]);
  assert.equal(await page.getByTestId("import-summary").textContent(), "Imported 1 contact from office.csv.");
  assert.equal(await page.getByTestId("import-skipped-line").textContent(), "Line 3: no phone number");
  await screenshot(page, "main-contacts-import");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("contacts-export").click()]);
  assert.equal(download.suggestedFilename(), "ringside-contacts.csv");
  assert.equal(await readFile(await download.path(), "utf8"), csv);
  await assertClean(app);
  await app.context.close();
});

test("history: texts are found by search_sms with the same text, shown literally; text back sends with the row's number", async () => {
  const sms = (id, fields) => ({ id, direction: "incoming", number: "13632919026", span: 1, text: "hi", atMs: Date.now() - 5_000, status: "received", ...fields });
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({
      list_missed: { rows: [row("m1", { remoteNum: "+442071234567", remoteName: "Initech", outcome: "missed" })], older: false },
      send_sms: sms("out-1", { direction: "outgoing", number: "+442071234567", status: "sent" }),
    }),
    VIEWPORT,
  );
  const { page } = app;
  await page.evaluate((hostile) => {
    const all = [
      { id: "in-1", direction: "incoming", number: "13632919026", span: 1, text: `Quote please ${hostile}`, atMs: Date.now() - 5_000, status: "received" },
      { id: "out-0", direction: "outgoing", number: "+15550001", text: "On my way", atMs: Date.now() - 9_000, status: "failed", error: "The gateway could not send the SMS: span 1 is not ready." },
    ];
    window.__ringside.handlers.search_sms = ({ text }) => all.filter((r) => !text || JSON.stringify(r).toLowerCase().includes(text.toLowerCase()));
  }, HOSTILE);
  await emit(page, "ringside://history-changed", {});
  await page.getByTestId("tab-history").click();
  await page.locator('[data-testid="sms-row"][data-sms="out-0"]').waitFor();
  assert.equal(await page.getByTestId("sms-row").count(), 2, "with no search, the latest texts show");
  const failed = page.locator('[data-sms="out-0"]');
  assert.match(await failed.getByTestId("sms-row-status").textContent(), /Not sent/, "a failed text says so");
  assert.match(await failed.getByTestId("sms-row-error").textContent(), /not ready/, "and why, in the gateway's words");

  await page.getByTestId("history-search").fill("quote");
  await page.getByTestId("history-search-button").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="sms-row"]').length === 1);
  assert.equal((await invocations(page, "search_sms")).at(-1).text, "quote", "the history search also searches texts");
  assert.equal(await page.getByTestId("sms-row-text").textContent(), `Quote please ${HOSTILE}`, "the text is literal");
  assert.equal(await page.locator("#sms-rows img").count(), 0, "no element was created from a text");

  await page.evaluate((hostile) => {
    window.__ringside.handlers.sms_thread = ({ number }) =>
      number === "+442071234567"
        ? [
            { id: "in-7", direction: "incoming", number, text: `Call me ${hostile}`, atMs: Date.now() - 1_000, status: "received" },
            { id: "out-6", direction: "outgoing", number, text: "Earlier reply", atMs: Date.now() - 9_000, status: "sent" },
          ]
        : [];
  }, HOSTILE);
  const missed = page.locator('[data-testid="missed-row"][data-call="m1"]');
  await missed.getByTestId("row-text-back").click();
  const compose = page.getByTestId("compose-row");
  await compose.getByTestId("sms-thread-item").first().waitFor();
  assert.deepEqual(
    await compose.getByTestId("sms-thread-item").allTextContents().then((t) => t.map((x) => x.slice(x.search(/(Sent|Received|Not sent): /)))),
    ["Sent: Earlier reply", `Received: Call me ${HOSTILE}`],
    "the number's thread shows above the form, oldest first, as literal text",
  );
  assert.deepEqual((await invocations(page, "sms_thread")).at(-1), { number: "+442071234567" });
  await compose.getByTestId("sms-compose-text").fill("Line one\r\nline two");
  await compose.getByTestId("sms-compose-send").click();
  assert.match(await compose.getByTestId("sms-compose-feedback").textContent(), /one line/, "a line break gets the clear error");
  assert.deepEqual(await invocations(page, "send_sms"), [], "and nothing is sent");
  await compose.getByTestId("sms-compose-text").fill("Sorry we missed you, call us back any time");
  await compose.getByTestId("sms-compose-send").click();
  await compose.getByTestId("sms-compose-feedback").getByText("Text sent.").waitFor();
  assert.deepEqual(
    await invocations(page, "send_sms"),
    [{ number: "+442071234567", text: "Sorry we missed you, call us back any time" }],
    "text back goes to the missed caller's number, with no span so the settings' span is used",
  );
  await screenshot(page, "main-history-texts");

  // A contact's number can be texted from the Contacts tab too.
  await page.evaluate(() => {
    window.__ringside.handlers.search_contacts = () => [{ id: 1, name: "Wile E. Coyote", numbers: ["+15551234567"] }];
  });
  await page.getByTestId("tab-contacts").click();
  await page.getByTestId("contacts-search").fill("wile");
  await page.getByTestId("contacts-search").press("Enter");
  await page.getByTestId("contact-text").click();
  const contactCompose = page.locator('[data-testid="contacts-rows"] [data-testid="compose-row"]');
  await contactCompose.getByTestId("sms-compose-text").fill("Your order is ready");
  await contactCompose.getByTestId("sms-compose-send").click();
  await contactCompose.getByTestId("sms-compose-feedback").getByText("Text sent.").waitFor();
  assert.deepEqual((await invocations(page, "send_sms")).at(-1), { number: "+15551234567", text: "Your order is ready" }, "the contact's number");
  await assertClean(app);
  await app.context.close();
});

test("Elastix API: import shows progress and the summary, the window stays usable; a recorded row plays, a missing file says so", async () => {
  const API_SETTINGS = { ...SETTINGS, profile: "freePbx", elastixUrl: "https://pbx.local/api/api.php", hasApiToken: true };
  const recorded = row("r1", { recordingFile: "exten-101-05396666666-20151205-152659-1449322009.66.wav", source: "cdr" });
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({
      get_settings: API_SETTINGS,
      search_history: [recorded, row("r2", { remoteNum: "+15550002222" })],
      list_pbx_calls: [{ channel: "SIP/2003-0000115b", state: "Up", callerId: HOSTILE, extension: "2003", application: "Dial", seconds: 75, bridgedTo: "SIP/101-00000033" }],
    }),
    VIEWPORT,
  );
  const { page } = app;
  // The import resolves only when the test says so, as a long import would.
  await page.evaluate(() => {
    window.__ringside.handlers.import_cdr = () => new Promise((resolve) => { window.__finishImport = resolve; });
  });
  const pbxCall = page.getByTestId("pbx-call");
  await pbxCall.waitFor();
  assert.match(await pbxCall.textContent(), /Up · with SIP\/101-00000033 · 1:15/, "the PBX's live calls are listed");
  assert.ok((await pbxCall.textContent()).includes(HOSTILE), "a caller id from the PBX is literal text");

  await page.getByTestId("tab-history").click();
  await page.getByTestId("cdr-import").click();
  assert.equal(await page.getByTestId("cdr-import").isDisabled(), true, "one import at a time");
  await emit(page, "ringside://cdr-import", { done: 5000, total: 20000 });
  await page.getByTestId("cdr-import-message").getByText(/5,000 of 20,000/).waitFor();
  assert.equal(await page.getByTestId("cdr-import-progress").getAttribute("max"), "20000", "the bar spans the whole import");
  // The window answers while the import runs: the search still works.
  await page.getByTestId("history-search").fill("555");
  await page.getByTestId("history-search-button").click();
  await page.waitForFunction(() => window.__ringside.calls.filter((c) => c.cmd === "search_history").some((c) => c.args.query.text === "555"));
  await emit(page, "ringside://cdr-import", { done: 20000, total: 20000 });
  await page.evaluate(() => window.__finishImport({ imported: 19000, merged: 1000, recordingsAdded: 12, skipped: 0 }));
  await page.getByTestId("cdr-import-message").getByText("Imported 19,000 calls, merged 1,000 already in history, 12 gained a recording.").waitFor();
  assert.equal(await page.getByTestId("cdr-import").isDisabled(), false, "the button is back for the next import");
  assert.equal(await page.getByTestId("cdr-import-progress").isVisible(), false, "the bar goes away with the summary");

  const rows = page.getByTestId("history-row");
  assert.equal(await page.locator('[data-call="r2"] [data-testid="row-play"]').count(), 0, "no recording, no play button");
  await page.evaluate(() => {
    window.__ringside.responses.play_recording = {
      __error: { code: "not_found", message: "No recording for this call on the PBX (it was not recorded, or the file was deleted): /2015/12/05/x.wav." },
    };
  });
  await rows.locator('[data-testid="row-play"]').first().click();
  await page.getByTestId("history-message").getByText(/No recording for this call on the PBX/).waitFor();
  assert.deepEqual((await invocations(page, "play_recording")).at(-1), { callId: "r1" }, "the play button names its call");
  await page.evaluate(() => {
    window.__ringside.responses.play_recording = null;
  });
  await rows.locator('[data-testid="row-play"]').first().click();
  await page.getByTestId("history-message").getByText("The recording opened in your audio player.").waitFor();
  await screenshot(page, "main-history-elastix");
  await assertClean(app);
  await app.context.close();
});

test("Elastix API settings: the token goes to set_api_token and is wiped; the test shows the API's answer", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({ save_settings: null, set_api_token: null, test_api_connection: { ok: false, message: "The Elastix PBX at pbx.local:443 refused the API token." } }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("settings-elastix-url").fill("http://pbx.local/api/api.php");
  await page.getByTestId("settings-save").click();
  assert.match(await page.getByTestId("error-elastixUrl").textContent(), /https:\/\//, "a plain-http API address is refused");
  assert.deepEqual(await invocations(page, "save_settings"), [], "nothing is saved");

  await page.getByTestId("settings-elastix-url").fill("https://pbx.local/api/api.php");
  await page.getByTestId("settings-api-token").fill("kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj");
  await page.getByTestId("settings-save").click();
  await page.getByTestId("api-token-state").getByText(/^Saved in the system keyring/).waitFor();
  const saved = (await invocations(page, "save_settings")).at(-1).settings;
  assert.equal(saved.elastixUrl, "https://pbx.local/api/api.php");
  assert.ok(!JSON.stringify(saved).includes("kJBJzUqZ2W9"), "the token is never part of the settings");
  assert.deepEqual(await invocations(page, "set_api_token"), [{ token: "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj" }]);
  assert.equal(await page.getByTestId("settings-api-token").inputValue(), "", "the typed token is wiped from the page");

  await page.getByTestId("settings-api-test").click();
  await page.getByTestId("api-test-result").getByText(/refused the API token/).waitFor();
  assert.equal(await page.getByTestId("api-test-result").getAttribute("data-kind"), "error");
  await assertClean(app);
  await app.context.close();
});

test("every command the main window invoked is granted to it by src-tauri's capability", async () => {
  const invoked = commandsInvoked("main");
  assert.ok(invoked.length >= 5, `the tests above exercised the window's commands (saw ${invoked.join(", ")})`);
  const granted = await commandsGranted("main");
  const refused = invoked.filter((c) => !granted.includes(c));
  assert.deepEqual(refused, [], "a command missing from the capability would be refused in the real app");
});
