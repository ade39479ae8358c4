// The caller popup, in real Chromium, fed the ground-truth popups of the
// real captures in tests/fixtures/ami/ as the shell would emit them.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  commandsGranted,
  commandsInvoked,
  cspViolations,
  emit,
  fixture,
  invocations,
  launchBrowser,
  liveCard,
  openApp,
  popupChanges,
  recordCommands,
  screenshot,
  serveDist,
} from "./support.mjs";

const CARD = "ringside://card";
const CONTEXT = "ringside://caller-context";
const PRESENCE = "ringside://presence";

const COLLEAGUES = [
  { extension: "1000", name: "Reception", state: "idle" },
  { extension: "1001", name: "Alice Front Desk", state: "ringing" },
  { extension: "1002", name: "Bob Sales", state: "idle" },
  { extension: "1003", name: "Carol Support", state: "inUse", talkingTo: "+15550001111" },
  { extension: "1004", name: "Dave Accounts", state: "unavailable" },
];

function shell(extensions, extra = {}) {
  return {
    get_status: { connection: { state: "connected", message: "Connected to Asterisk 23.4.1" }, demo: false, extensions },
    get_presence: COLLEAGUES,
    list_live_calls: [],
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

/** Every page must finish a test without a script error, a dialog, or a CSP violation. */
async function assertClean(app) {
  await recordCommands(app, "popup");
  assert.deepEqual(app.pageErrors, [], "no uncaught error in the page");
  assert.deepEqual(app.dialogs, [], "no alert/confirm/prompt was opened");
  assert.deepEqual(await cspViolations(app.page), [], "nothing needed more than the app's CSP allows");
}

test("incoming-answered: one card with the caller, the line and what history knows", async () => {
  const truth = await fixture("incoming-answered");
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  const [popup] = popupChanges("1700000000.11", truth);
  await emit(page, CARD, popup);

  const card = page.getByTestId("card");
  await card.waitFor();
  assert.equal(await card.count(), 1, "one popup in the ground truth, one card");
  assert.equal(await card.getByTestId("caller-name").textContent(), "ACME Corp");
  assert.equal(await card.getByTestId("caller-number").textContent(), "+15551234567");
  assert.match(await card.getByTestId("line-info").textContent(), /trunk carrier/);
  assert.equal(await card.getByTestId("card-status").textContent(), "Ringing at 1001");
  assert.equal(await card.getByTestId("ringing-extensions").textContent(), "1001");
  assert.equal(await page.getByTestId("no-calls").isVisible(), false, "the empty note hides while a call rings");

  await emit(page, CONTEXT, {
    call: popup.call,
    callerContext: {
      contact: { id: 7, name: "Wile E. Coyote", company: "ACME Corp", numbers: ["+15551234567"] },
      callsToday: 3,
      recentCalls: [
        {
          callId: "1699990000.1",
          direction: "inbound",
          remoteNum: "+15551234567",
          outcome: "missed",
          startedAtMs: Date.now() - 3_600_000,
          notes: [{ id: 1, text: "Wants a quote for 40 rockets", createdAtMs: Date.now() - 3_500_000 }],
        },
      ],
    },
  });
  await card.getByTestId("calls-today").waitFor();
  assert.equal(await card.getByTestId("calls-today").textContent(), "Called 3 times today");
  assert.equal(await card.getByTestId("contact-name").textContent(), "Wile E. Coyote");
  assert.equal(await card.getByTestId("contact-company").textContent(), "ACME Corp");
  assert.match(await card.getByTestId("recent-call").textContent(), /Missed/);
  assert.equal(await card.getByTestId("recent-note").textContent(), "Wants a quote for 40 rockets");
  await screenshot(page, "popup-incoming-answered");

  // The ground truth: 1001 answered. The card stays (she transfers from it) and says so.
  assert.equal(truth.outcome.answered_by, "1001");
  await emit(page, CARD, {
    type: "update",
    call: popup.call,
    card: liveCard(popup, { state: "answered", answered_by: "1001", rang: ["1001"] }),
    at_ms: 1,
  });
  await emit(page, CARD, { type: "close", call: popup.call, extension: "1001", reason: "answered", answered_by: "1001", at_ms: 1 });
  assert.equal(await card.getByTestId("card-status").textContent(), "Answered by you (1001)");
  assert.equal(await card.count(), 1, "answering at my own phone keeps the card");

  await emit(page, CARD, { type: "call_end", call: popup.call, answered_by: "1001", missed: false, answered_elsewhere_for: [], ended_offline: false });
  assert.equal(await card.getByTestId("card-status").textContent(), "Call ended");
  await card.waitFor({ state: "detached", timeout: 5000 });
  assert.equal(await page.getByTestId("no-calls").isVisible(), true);
  await assertClean(app);
  await app.context.close();
});

test("ringgroup-answered: three stacked cards; 1001 and 1003 close as answered by 1002", async () => {
  const truth = await fixture("ringgroup-answered");
  const app = await openApp(browser, server.url, "popup.html", shell(["1001", "1002", "1003"]));
  const { page } = app;
  const call = "1700000100.42";
  for (const change of popupChanges(call, truth)) await emit(page, CARD, change);

  const cards = page.getByTestId("card");
  assert.equal(await cards.count(), 3, "one card per ground-truth popup");
  for (const p of truth.popups) {
    const card = page.locator(`[data-testid="card"][data-extension="${p.extension}"]`);
    assert.equal(await card.getByTestId("caller-name").textContent(), p.caller_name);
    assert.equal(await card.getByTestId("caller-number").textContent(), p.caller_num);
    assert.equal(await card.getByTestId("ringing-extensions").textContent(), "1001, 1002, 1003");
  }
  await screenshot(page, "popup-ringgroup-ringing");

  const answeredBy = truth.outcome.answered_by;
  const [first] = popupChanges(call, truth);
  await emit(page, CARD, {
    type: "update",
    call,
    card: liveCard(first, { state: "answered", answered_by: answeredBy, rang: ["1001", "1002", "1003"] }),
    at_ms: 2,
  });
  // The order the tracker closes them in: the others first, with who answered.
  for (const ext of truth.outcome.answered_elsewhere_for) {
    await emit(page, CARD, { type: "close", call, extension: ext, reason: "answered_elsewhere", answered_by: answeredBy, at_ms: 2 });
  }
  await emit(page, CARD, { type: "close", call, extension: answeredBy, reason: "answered", answered_by: answeredBy, at_ms: 2 });
  const left = page.locator(`[data-testid="card"][data-extension="${answeredBy}"]`);
  assert.equal(await left.getByTestId("card-status").textContent(), `Answered by you (${answeredBy})`);
  assert.equal(await left.getByTestId("ringing-extensions").isVisible(), false, "nothing rings once answered");
  for (const ext of truth.outcome.answered_elsewhere_for) {
    const status = page.locator(`[data-testid="card"][data-extension="${ext}"] [data-testid="card-status"]`);
    assert.equal(await status.textContent(), `Answered by ${answeredBy}`, `${ext} says who answered before closing`);
  }
  await screenshot(page, "popup-ringgroup-answered-elsewhere");

  // The call ends while the others still show why they close; that must not overwrite it.
  await emit(page, CARD, {
    type: "call_end",
    call,
    answered_by: answeredBy,
    missed: truth.outcome.missed,
    answered_elsewhere_for: truth.outcome.answered_elsewhere_for,
    ended_offline: false,
  });
  assert.equal(await left.getByTestId("card-status").textContent(), "Call ended", "the answering card closes with the call's end");
  for (const ext of truth.outcome.answered_elsewhere_for) {
    const status = page.locator(`[data-testid="card"][data-extension="${ext}"] [data-testid="card-status"]`);
    assert.equal(await status.textContent(), `Answered by ${answeredBy}`, "the call's end does not overwrite why it closed");
  }
  for (const ext of truth.outcome.answered_elsewhere_for) {
    await page.locator(`[data-testid="card"][data-extension="${ext}"]`).waitFor({ state: "detached", timeout: 5000 });
  }
  await left.waitFor({ state: "detached", timeout: 5000 });
  assert.equal(await cards.count(), 0);
  await assertClean(app);
  await app.context.close();
});

test("hostile-callerid: the name is literal text, no element is created and no script runs", async () => {
  const truth = await fixture("hostile-callerid");
  const hostile = truth.popups[0].caller_name;
  assert.equal(hostile, "<img src=x onerror=alert(document.domain)>");
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  const [popup] = popupChanges("1700000200.5", truth);
  await emit(page, CARD, popup);
  // A second payload that would set a flag instead of alerting, and one in every other text slot.
  const flagger = "<img src=x onerror=window.__ringsideXss=1>";
  const scripter = "<script>window.__ringsideXss=2</script>";
  await emit(page, CARD, { ...popup, call: "1700000200.6", caller_name: flagger });
  await emit(page, CONTEXT, {
    call: popup.call,
    callerContext: {
      contact: { id: 1, name: flagger, company: hostile, numbers: [] },
      callsToday: 1,
      recentCalls: [{ callId: "x", direction: "inbound", remoteNum: "+1", outcome: "missed", startedAtMs: 0, notes: [{ id: 2, text: scripter, createdAtMs: 0 }] }],
    },
  });
  await page.getByTestId("contact-name").waitFor();

  const name = page.locator(`[data-call="${popup.call}"] [data-testid="caller-name"]`);
  assert.equal(await name.textContent(), hostile);
  assert.equal(await name.isVisible(), true);
  await page.getByText(hostile, { exact: true }).first().waitFor({ state: "visible" });
  assert.equal(await page.getByTestId("contact-name").textContent(), flagger);
  assert.equal(await page.getByTestId("recent-note").textContent(), scripter);
  assert.equal(await page.locator("img").count(), 0, "no <img> element was created from caller text");
  assert.equal(await page.locator("body script").count(), 0, "no <script> element was created from caller text");
  await page.waitForTimeout(300); // an onerror would fire on the failed load of "x"
  assert.equal(await page.evaluate(() => window.__ringsideXss), undefined, "no onerror or script ran");
  await screenshot(page, "popup-hostile-callerid");
  await assertClean(app);
  await app.context.close();
});

test("very long and right-to-left-override names stay on the card and cannot reorder the page", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  const long = "Very Long Name ".repeat(700).slice(0, 10_000);
  const rlo = "\u202Eevil.exe\u202C Ltd";
  const base = { type: "popup", extension: "1001", direction: "inbound", trunk: null, did: null, queue: null, transferred_by: null, at_ms: 0 };
  await emit(page, CARD, { ...base, call: "a", caller_num: "+15550001", caller_name: long });
  await emit(page, CARD, { ...base, call: "b", caller_num: "+15550002", caller_name: rlo });

  const longName = page.locator('[data-call="a"] [data-testid="caller-name"]');
  const shown = await longName.textContent();
  assert.ok(shown.length < 100, `a 10,000-character name is shortened for display (got ${shown.length})`);
  assert.ok(shown.endsWith("…"), "the cut is marked with an ellipsis");
  assert.equal(await longName.getAttribute("title"), long, "the full name is kept in the title");
  const box = await page.locator('[data-call="a"]').boundingBox();
  assert.ok(box.width <= 420, "the card does not grow wider than the popup");

  const rloName = page.locator('[data-call="b"] [data-testid="caller-name"]');
  assert.equal(await rloName.textContent(), rlo);
  assert.equal(await rloName.getAttribute("dir"), "auto");
  assert.equal(await rloName.evaluate((e) => getComputedStyle(e).unicodeBidi), "isolate");
  await assertClean(app);
  await app.context.close();
});

test("transfer from the popup sends `transfer` with the picked colleague, blind and attended", async () => {
  const truth = await fixture("incoming-answered");
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"], { transfer: null }));
  const { page } = app;
  const [popup] = popupChanges("1700000300.9", truth);
  await emit(page, CARD, popup);
  const card = page.getByTestId("card");
  await card.getByTestId("action-transfer").click();
  const search = card.getByTestId("transfer-search");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "transfer-search");

  const targets = card.getByTestId("transfer-target");
  const shownExts = await targets.evaluateAll((els) => els.map((e) => e.dataset.extension));
  assert.deepEqual(shownExts, ["1000", "1002", "1003", "1004"], "everyone but the ringing extension itself");
  await search.fill("bob");
  assert.equal(await targets.count(), 1, "search by name narrows the list");
  assert.equal(await targets.first().getAttribute("data-extension"), "1002");
  assert.equal(await targets.first().getByTestId("transfer-target-state").textContent(), "Available");

  // Presence is live: Bob picks up another call while the list is open, and
  // the row she has reached with the keyboard keeps the focus.
  await targets.first().focus();
  await emit(page, PRESENCE, COLLEAGUES.map((c) => (c.extension === "1002" ? { ...c, state: "inUse" } : c)));
  assert.equal(await targets.first().getByTestId("transfer-target-state").textContent(), "On a call");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.extension), "1002", "the update kept the focus");
  await search.fill("");
  await screenshot(page, "popup-transfer-picker");
  await search.fill("bob");

  await targets.first().click();
  await card.getByTestId("card-feedback").filter({ hasText: "Transferred to Bob Sales (1002)." }).waitFor();
  assert.deepEqual(await invocations(page, "transfer"), [{ call: popup.call, target: "1002", attended: false }]);

  await card.getByTestId("action-transfer").click();
  await card.getByTestId("transfer-mode-attended").check();
  await search.fill("1002");
  await targets.first().click();
  await card.getByTestId("card-feedback").filter({ hasText: "Talk to Bob Sales (1002)" }).waitFor();
  assert.deepEqual(await invocations(page, "transfer"), [
    { call: popup.call, target: "1002", attended: false },
    { call: popup.call, target: "1002", attended: true },
  ]);

  // A refusal from the PBX is shown in its own words.
  await page.evaluate(() => {
    window.__ringside.responses.transfer = { __error: { code: "pbx_refused", message: "The PBX refused the transfer to 1003: extension is busy." } };
  });
  await card.getByTestId("action-transfer").click();
  await search.fill("carol");
  await targets.first().click();
  await card.getByTestId("card-feedback").filter({ hasText: "The PBX refused the transfer to 1003: extension is busy." }).waitFor();
  assert.equal(await card.getByTestId("card-feedback").getAttribute("data-kind"), "error");
  await assertClean(app);
  await app.context.close();
});

test("a card builds its transfer, note and text panels the first time she opens one, with presence as it is then", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  const base = { type: "popup", extension: "1001", direction: "inbound", trunk: "carrier", did: "5550100", queue: null, transferred_by: null, at_ms: 0 };
  await emit(page, CARD, { ...base, call: "c1", caller_num: "+15551234567", caller_name: "ACME Corp" });
  const card = page.locator('[data-call="c1"]');
  await card.waitFor();
  // Most cards of a day are never opened: they carry no form, field or colleague list.
  assert.equal(await card.locator("input, textarea, form, [data-testid=transfer-panel]").count(), 0, "an unopened card has no panel");

  // Presence changes while the card is up, before she opens Transfer.
  await emit(page, PRESENCE, COLLEAGUES.map((c) => (c.extension === "1002" ? { ...c, state: "inUse" } : c)));
  await card.getByTestId("action-transfer").click();
  assert.equal(await card.getByTestId("transfer-panel").isVisible(), true);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "transfer-search", "the cursor is in the search");
  const bob = card.locator('[data-testid="transfer-target"][data-extension="1002"]');
  assert.equal(await bob.getByTestId("transfer-target-state").textContent(), "On a call", "the list is as presence is now");

  // Note: the transfer panel closes; what she types survives going back and forth.
  await card.getByTestId("action-note").click();
  assert.equal(await card.getByTestId("transfer-panel").isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "note-text");
  await card.getByTestId("note-text").fill("Half a note");
  await card.getByTestId("action-text").click();
  assert.equal(await card.getByTestId("note-panel").isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "sms-compose-text");
  await card.getByTestId("action-note").click();
  assert.equal(await card.getByTestId("note-text").inputValue(), "Half a note", "the note was kept, not rebuilt");
  await card.getByTestId("action-note").click();
  assert.equal(await card.getByTestId("note-panel").isVisible(), false, "a second click closes it");
  await card.getByTestId("action-transfer").click();
  assert.equal(await card.getByTestId("transfer-panel").count(), 1, "each panel is built once");
  assert.equal(await card.getByTestId("note-panel").count(), 1);
  assert.equal(await card.getByTestId("sms-compose").count(), 1);

  // Built, the list follows presence again.
  await emit(page, PRESENCE, COLLEAGUES);
  assert.equal(await bob.getByTestId("transfer-target-state").textContent(), "Available");
  await assertClean(app);
  await app.context.close();
});

test("note, copy, CRM, voicemail and dismiss invoke their commands with this call's data", async () => {
  const app = await openApp(
    browser,
    server.url,
    "popup.html",
    shell(["1001"], {
      add_note: { id: 99, callId: "c1", text: "Call back after 3", createdAtMs: 1 },
      open_crm: null,
      dismiss_popup: null,
      transfer: null,
    }),
  );
  const { page } = app;
  const base = { type: "popup", extension: "1001", direction: "inbound", trunk: "carrier", did: "5550100", queue: null, transferred_by: null, at_ms: 0 };
  await emit(page, CARD, { ...base, call: "c1", caller_num: "+15551234567", caller_name: "ACME Corp", voicemail: "*1001" });
  await emit(page, CARD, { ...base, call: "c2", caller_num: "+15559990000", caller_name: "Other" });
  const card = page.locator('[data-call="c1"]');
  assert.equal(await page.locator('[data-call="c2"] [data-testid="action-voicemail"]').count(), 0, "no voicemail button where the PBX does not allow it");

  await card.getByTestId("action-note").click();
  await card.getByTestId("note-text").fill("Call back after 3");
  await card.getByTestId("note-save").click();
  await card.getByTestId("saved-note").waitFor();
  assert.deepEqual(await invocations(page, "add_note"), [{ callId: "c1", number: "+15551234567", text: "Call back after 3" }]);

  await card.getByTestId("action-copy").click();
  await card.getByTestId("card-feedback").filter({ hasText: "Copied +15551234567." }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "+15551234567");

  await card.getByTestId("action-crm").click();
  await card.getByTestId("card-feedback").filter({ hasText: "Opened in your CRM." }).waitFor();
  assert.deepEqual(await invocations(page, "open_crm"), [{ number: "+15551234567" }]);

  await card.getByTestId("action-voicemail").click();
  await card.getByTestId("card-feedback").filter({ hasText: "Sent to voicemail." }).waitFor();
  assert.deepEqual(await invocations(page, "transfer"), [{ call: "c1", target: "*1001", attended: false }]);

  await card.getByTestId("dismiss").click();
  await card.waitFor({ state: "detached" });
  assert.deepEqual(await invocations(page, "dismiss_popup"), [{ call: "c1" }]);
  assert.equal(await page.getByTestId("card").count(), 1, "the other call's card stays");
  await assertClean(app);
  await app.context.close();
});

test("a transfer shows on the card: history on the old card, 'transferred here' on the new one", async () => {
  const truth = await fixture("incoming-answered");
  const app = await openApp(browser, server.url, "popup.html", shell(["1001", "1002"]));
  const { page } = app;
  const [popup] = popupChanges("1700000400.1", truth);
  await emit(page, CARD, { ...popup, did: "5550100" });
  const first = page.locator('[data-testid="card"][data-extension="1001"]');
  assert.equal(await first.getByTestId("line-info").textContent(), "DID 5550100 · trunk carrier");

  await emit(page, CARD, {
    type: "update",
    call: popup.call,
    card: liveCard(popup, {
      state: "answered",
      answered_by: "1001",
      transfers: [{ by: "1001", to: "1002", kind: "blind", at_ms: 5 }],
    }),
    at_ms: 5,
  });
  assert.equal(await first.getByTestId("transfers").textContent(), "Transferred by 1001 to 1002");
  await emit(page, CARD, { ...popup, extension: "1002", transferred_by: "1001" });
  const second = page.locator('[data-testid="card"][data-extension="1002"]');
  assert.equal(await second.getByTestId("card-status").textContent(), "Transferred here by 1001. Ringing at 1002");
  assert.equal(await second.getByTestId("transfers").textContent(), "Transferred by 1001 to 1002");

  await emit(page, CARD, { type: "close", call: popup.call, extension: "1001", reason: "transferred", answered_by: null, at_ms: 6 });
  assert.equal(await first.getByTestId("card-status").textContent(), "Transferred");
  await first.waitFor({ state: "detached", timeout: 5000 });
  assert.equal(await second.count(), 1, "the card at the new extension stays");
  await assertClean(app);
  await app.context.close();
});

test("atxfer-1003: the colleague's card names who asks and who waits, then becomes the caller's card", async () => {
  const truth = await fixture("atxfer-1003");
  const app = await openApp(browser, server.url, "popup.html", shell(["1003"]));
  const { page } = app;
  const consult = popupChanges("1796392678.11", truth).find((p) => p.extension === "1003");
  assert.equal(consult.consultation, true, "the ground truth marks 1003's popup as a consultation");
  const caller = truth.popups.find((p) => p.extension === "1001");
  // As the tracker sends it: her number and name, and the caller who waits.
  await emit(page, CARD, {
    ...consult,
    caller_name: "Alice Front Desk",
    consulting_for: { caller_num: caller.caller_num, caller_name: caller.caller_name },
  });
  const card = page.locator('[data-testid="card"][data-extension="1003"]');
  await card.waitFor();
  assert.equal(await card.getByTestId("caller-name").textContent(), "Alice Front Desk", "1003 sees who is calling: the receptionist");
  assert.equal(await card.getByTestId("caller-number").textContent(), "1001");
  assert.equal(await card.getByTestId("consulting-name").textContent(), "Wayne Enterprises", "and who is about to be handed over");
  assert.match(await card.getByTestId("consulting-for").textContent(), /Wants to hand over Wayne Enterprises \+13125550199/);
  assert.equal(await card.getByTestId("card-status").textContent(), "1001 asks you before a transfer. Ringing at 1003");
  await screenshot(page, "popup-consultation");

  const held = { ...consult, caller_num: caller.caller_num, caller_name: caller.caller_name, direction: "inbound" };
  await emit(page, CARD, {
    type: "update",
    call: consult.call,
    card: liveCard(held, {
      state: "answered",
      answered_by: "1001",
      connected_to: "1001",
      consulting: { by: "1001", to: "1003", answered: true },
    }),
    at_ms: 2,
  });
  assert.equal(await card.getByTestId("card-status").textContent(), "Talking with 1001 before the transfer");
  assert.equal(await card.getByTestId("caller-name").textContent(), "Alice Front Desk", "still the consultation while they talk");

  // The ground truth's final state: the caller talks to 1003.
  assert.equal(truth.outcome.final_connected.extension, "1003");
  await emit(page, CARD, {
    type: "update",
    call: consult.call,
    card: liveCard(held, {
      state: "answered",
      answered_by: "1003",
      connected_to: "1003",
      rang: ["1001", "1003"],
      transfers: [{ by: "1001", to: "1003", kind: "attended", at_ms: 3 }],
    }),
    at_ms: 3,
  });
  assert.equal(await card.getByTestId("caller-name").textContent(), truth.outcome.final_connected.caller_name, "the card is the caller's now");
  assert.equal(await card.getByTestId("caller-number").textContent(), truth.outcome.final_connected.caller_num);
  assert.equal(await card.getByTestId("consulting-for").isVisible(), false, "no hand-over pending any more");
  assert.equal(await card.getByTestId("card-status").textContent(), "Transferred to you by 1001. Talking");
  assert.equal(await card.getByTestId("transfers").textContent(), "Transferred by 1001 to 1003 (asked first)");
  await screenshot(page, "popup-consultation-handed-over");
  await assertClean(app);
  await app.context.close();
});

test("a consultation she declines closes as not transferred", async () => {
  const truth = await fixture("atxfer-1003");
  const app = await openApp(browser, server.url, "popup.html", shell(["1003"]));
  const { page } = app;
  const consult = popupChanges("1796392678.11", truth).find((p) => p.extension === "1003");
  await emit(page, CARD, { ...consult, consulting_for: { caller_num: "+13125550199", caller_name: null } });
  const card = page.locator('[data-testid="card"][data-extension="1003"]');
  await card.waitFor();
  assert.equal(await card.getByTestId("caller-name").textContent(), "Unknown caller", "the capture's 1003 popup has no name");
  assert.equal(await card.getByTestId("consulting-name").textContent(), "+13125550199", "a caller without a name is named by number");
  await emit(page, CARD, { type: "close", call: consult.call, extension: "1003", reason: "consultation_ended", answered_by: null, at_ms: 4 });
  assert.equal(await card.getByTestId("card-status").textContent(), "Not transferred: the consultation ended");
  await card.waitFor({ state: "detached", timeout: 5000 });
  await assertClean(app);
  await app.context.close();
});

test("pickup-feature-code: 1002's card says who picked the call up", async () => {
  const truth = await fixture("pickup-feature-code");
  const app = await openApp(browser, server.url, "popup.html", shell(["1002"]));
  const { page } = app;
  const [popup] = popupChanges("1796392715.16", truth);
  await emit(page, CARD, popup);
  const card = page.locator('[data-testid="card"][data-extension="1002"]');
  await card.waitFor();
  const by = truth.outcome.picked_up_by;
  assert.equal(by, "1003");
  // As the tracker sends it: the close first, then the card naming the picker.
  await emit(page, CARD, { type: "close", call: popup.call, extension: "1002", reason: "answered_elsewhere", answered_by: by, at_ms: 5 });
  await emit(page, CARD, {
    type: "update",
    call: popup.call,
    card: liveCard(popup, { state: "answered", answered_by: by, connected_to: by, picked_up_by: by, rang: ["1002"] }),
    at_ms: 5,
  });
  assert.equal(await card.getByTestId("card-status").textContent(), "Picked up by 1003");
  await screenshot(page, "popup-picked-up");
  await card.waitFor({ state: "detached", timeout: 5000 });
  await assertClean(app);
  await app.context.close();
});

test("a popup window that opens after the call began ringing rebuilds its card from the live calls", async () => {
  const truth = await fixture("incoming-answered");
  const [popup] = popupChanges("1700000500.3", truth);
  const ringing = liveCard(popup, { ringing: ["1001", "1002"], rang: ["1001", "1002"] });
  const elsewhere = liveCard({ ...popup, call: "other" }, { ringing: ["1004"], rang: ["1004"] });
  const app = await openApp(
    browser,
    server.url,
    "popup.html",
    shell(["1001"], {
      list_live_calls: [ringing, elsewhere],
      lookup_caller: { contact: { id: 3, name: "Wile E. Coyote", company: "ACME Corp", numbers: [] }, recentCalls: [], callsToday: 2 },
    }),
  );
  const { page } = app;
  const card = page.getByTestId("card");
  await card.getByTestId("calls-today").waitFor();
  assert.equal(await card.count(), 1, "only the call ringing at my extension gets a card");
  assert.equal(await card.getAttribute("data-call"), popup.call);
  assert.equal(await card.getByTestId("caller-name").textContent(), "ACME Corp");
  assert.equal(await card.getByTestId("ringing-extensions").textContent(), "1001, 1002");
  assert.equal(await card.getByTestId("calls-today").textContent(), "Called 2 times today");
  assert.deepEqual(await invocations(page, "lookup_caller"), [{ number: "+15551234567" }]);

  // The popup event arriving late is not a second card.
  await emit(page, CARD, popup);
  assert.equal(await card.count(), 1);
  await assertClean(app);
  await app.context.close();
});

const SMS = "ringside://sms";

function incomingSms(id, text, extra = {}) {
  return {
    key: `sms:${id}`,
    sms: { id, direction: "incoming", number: "13632919026", span: 2, text, atMs: Date.now(), status: "received", ...extra },
  };
}

test("an incoming text is a card stacked with the calls: hostile, RTL and long texts stay literal text", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  const base = { type: "popup", extension: "1001", direction: "inbound", trunk: null, did: null, queue: null, transferred_by: null, at_ms: 0 };
  await emit(page, CARD, { ...base, call: "c1", caller_num: "+15550001", caller_name: "A caller" });
  const hostile = "<img src=x onerror=window.__ringsideXss=1><script>window.__ringsideXss=2</script>";
  await emit(page, SMS, incomingSms("in-1", hostile));
  const card = page.getByTestId("sms-card");
  await card.waitFor();
  assert.equal(await page.getByTestId("card").count(), 1, "the call card stays beside the text card");
  assert.equal(await card.getByTestId("sms-sender").textContent(), "13632919026", "the sender leads the card");
  assert.match(await card.getByTestId("sms-meta").textContent(), /GSM 2/, "the card says which SIM received it");
  assert.equal(await card.getByTestId("sms-text").textContent(), hostile, "the text is shown exactly as received");
  assert.equal(await page.locator("img").count(), 0, "no <img> element was created from the text");
  assert.equal(await page.locator("body script").count(), 0, "no <script> element was created from the text");
  const first = await page.locator("#cards article").first().getAttribute("data-testid");
  assert.equal(first, "card", "a text that comes in while a call rings does not push the call down");
  assert.equal(await page.getByTestId("texts").getByTestId("sms-card").count(), 1, "the text has its own place");

  // What history knows arrives under the card's key: contact and earlier texts, as text.
  await emit(page, CONTEXT, {
    call: "sms:in-1",
    callerContext: {
      contact: { id: 3, name: "<b>Zoë</b> Müller", numbers: ["13632919026"] },
      callsToday: 0,
      recentCalls: [],
      recentSms: [
        { id: "in-1", direction: "incoming", number: "13632919026", text: hostile, atMs: 1, status: "received" },
        { id: "out-0", direction: "outgoing", number: "13632919026", text: "See you at 3", atMs: 0, status: "sent" },
      ],
    },
  });
  await card.getByTestId("contact-name").waitFor();
  assert.equal(await card.getByTestId("contact-name").textContent(), "<b>Zoë</b> Müller", "the contact name is text");
  assert.equal(await card.getByTestId("recent-text").count(), 1, "the text itself is not listed again as an earlier one");
  assert.match(await card.getByTestId("recent-text").textContent(), /Sent: See you at 3/);

  const rlo = "\u202Eevil.exe\u202C " + "long text ".repeat(200);
  await emit(page, SMS, incomingSms("in-2", rlo));
  const second = page.locator('[data-sms="in-2"] [data-testid="sms-text"]');
  await second.waitFor();
  const shown = await second.textContent();
  assert.ok(shown.length < 300 && shown.endsWith("…"), `a long text is cut for display (got ${shown.length})`);
  assert.equal(await second.getAttribute("title"), rlo, "the whole text stays in the title");
  assert.equal(await second.getAttribute("dir"), "auto", "an RTL override is isolated to the text");
  await emit(page, SMS, incomingSms("in-2", rlo));
  assert.equal(await page.getByTestId("sms-card").count(), 2, "the same text announced twice is one card");

  await page.waitForTimeout(300); // an onerror would fire on the failed load of "x"
  assert.equal(await page.evaluate(() => window.__ringsideXss), undefined, "no onerror or script ran");
  await screenshot(page, "popup-sms");
  await page.locator('[data-sms="in-1"]').getByTestId("sms-dismiss").click();
  assert.deepEqual(await invocations(page, "dismiss_popup"), [{ call: "sms:in-1" }], "the shell hears the card's key");
  assert.equal(await page.getByTestId("sms-card").count(), 1);
  await assertClean(app);
  await app.context.close();
});

test("a day of texts: the popup keeps the ten newest cards, tells the shell of each older one, and never takes away a reply being written", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  await emit(page, SMS, incomingSms("in-1", "Can you call me back about the invoice?"));
  const first = page.locator('[data-sms="in-1"]');
  await first.getByTestId("sms-reply").click();
  await first.getByTestId("sms-compose-text").fill("Half-written reply");
  assert.equal(await page.getByTestId("older-texts").isVisible(), false, "nothing has left the popup yet");
  for (let i = 2; i <= 25; i++) await emit(page, SMS, incomingSms(`in-${i}`, `Text number ${i}`));
  await page.locator('[data-sms="in-25"]').waitFor();

  const shown = await page.getByTestId("sms-card").evaluateAll((cards) => cards.map((c) => c.dataset.sms));
  const newest = Array.from({ length: 9 }, (_, i) => `in-${25 - i}`);
  assert.deepEqual(shown, [...newest, "in-1"], "the nine newest texts and the one she is answering, newest first");
  assert.equal(await first.getByTestId("sms-compose-text").inputValue(), "Half-written reply", "her reply is still there");
  const dismissed = (await invocations(page, "dismiss_popup")).map((a) => a.call);
  assert.deepEqual(dismissed, Array.from({ length: 15 }, (_, i) => `sms:in-${i + 2}`), "each older card is dismissed with the shell, oldest first");
  assert.equal(await page.getByTestId("older-texts").textContent(), "Older texts are in the main window, under History.");
  await assertClean(app);
  await app.context.close();
});

test("replying to a text: a line break gets the clear error, a good text calls send_sms with the number and text", async () => {
  const sent = { id: "out-1", direction: "outgoing", number: "13632919026", text: "x", atMs: 0, status: "sent" };
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"], { send_sms: sent }));
  const { page } = app;
  await emit(page, SMS, incomingSms("in-9", "Are you open today?"));
  const card = page.getByTestId("sms-card");
  await card.getByTestId("sms-reply").click();
  const text = card.getByTestId("sms-compose-text");
  await text.fill("Yes\nuntil 6");
  await card.getByTestId("sms-compose-send").click();
  assert.equal(
    await card.getByTestId("sms-compose-feedback").textContent(),
    "Write the text on one line: the gateway cannot send a line break.",
    "a line break is refused before anything is sent, in words she can act on",
  );
  assert.deepEqual(await invocations(page, "send_sms"), [], "nothing went to the shell");

  const reply = 'Yes, until 6 — "Grüße" \\o/ <b>';
  await text.fill(reply);
  await card.getByTestId("sms-compose-send").click();
  await card.getByTestId("sms-feedback").getByText("Reply sent.").waitFor();
  assert.equal(await card.getByTestId("sms-compose").isVisible(), false, "the form closes once the gateway took the text");
  assert.deepEqual(await invocations(page, "send_sms"), [{ number: "13632919026", text: reply }], "the text goes exactly as typed, to the sender");

  await page.evaluate(() => {
    window.__ringside.responses.send_sms = { __error: { code: "pbx_refused", message: "The gateway could not send the SMS: span 2 is not ready." } };
  });
  await card.getByTestId("sms-reply").click();
  await text.fill("again");
  await card.getByTestId("sms-compose-send").click();
  await card.getByTestId("sms-compose-feedback").getByText(/not ready/).waitFor();
  assert.equal(await card.getByTestId("sms-compose-feedback").getAttribute("data-kind"), "error", "a gateway failure reads as an error");
  await assertClean(app);
  await app.context.close();
});

test("text back on a missed call: the card stays while she writes, and send_sms gets the caller's number", async () => {
  const sent = { id: "out-2", direction: "outgoing", number: "+15550001", text: "x", atMs: 0, status: "sent" };
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"], { send_sms: sent }));
  const { page } = app;
  const base = { type: "popup", extension: "1001", direction: "inbound", trunk: null, did: null, queue: null, transferred_by: null, at_ms: 0 };
  await emit(page, CARD, { ...base, call: "m1", caller_num: "+15550001", caller_name: "Missed Caller" });
  const card = page.locator('[data-call="m1"]');
  await card.getByTestId("action-text").click();
  await emit(page, CARD, { type: "call_end", call: "m1", answered_by: null, missed: true, answered_elsewhere_for: [], ended_offline: false });
  assert.equal(await card.getByTestId("card-status").textContent(), "Missed call");
  await page.waitForTimeout(3000); // longer than the closing notice
  assert.equal(await card.count(), 1, "a card with a text being written is not taken away");
  assert.equal(await card.getByTestId("action-text").isDisabled(), false, "text back works after the call ended");
  await card.getByTestId("sms-compose-text").fill("Sorry I missed you — call back any time");
  await card.getByTestId("sms-compose-send").click();
  await card.getByTestId("card-feedback").getByText("Text sent.").waitFor();
  assert.deepEqual(await invocations(page, "send_sms"), [{ number: "+15550001", text: "Sorry I missed you — call back any time" }]);
  await assertClean(app);
  await app.context.close();
});

/** The popup window's size in src-tauri/tauri.conf.json: what she sees without scrolling. */
const POPUP_WINDOW = { width: 380, height: 480 };

function ringingAt(call, extension, name) {
  return { type: "popup", call, extension, caller_num: `+1555000${call.slice(-2)}`, caller_name: name, direction: "inbound", trunk: "carrier", did: "5550100", queue: null, transferred_by: null, at_ms: 0 };
}

/** Where a card sits in the window, or null when it is not shown. */
async function boxOf(locator) {
  return (await locator.isVisible()) ? locator.boundingBox() : null;
}

test("a day of calls leaves nothing behind: changes and caller history for a card already gone are not kept", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]));
  const { page } = app;
  const cdp = await app.context.newCDPSession(page);
  const heapBytes = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    return (await cdp.send("Runtime.getHeapUsage")).usedSize;
  };
  // Each call rings, she dismisses its card, and then, as the shell lets
  // changes through for its popup duration, the call ends and what history
  // knows about the caller arrives (~40 kB of notes here, so a kept one shows).
  const calls = (from, n) =>
    page.evaluate(
      async ([from, n]) => {
        for (let i = from; i < from + n; i++) {
          const call = `day-${i}`;
          await window.__ringside.emit("ringside://card", {
            type: "popup", call, extension: "1001", caller_num: `+1555${i}`, caller_name: `Caller ${i}`,
            direction: "inbound", trunk: "carrier", did: "5550100", queue: null, transferred_by: null, at_ms: i,
          });
          document.querySelector(`[data-call="${call}"] [data-testid="dismiss"]`).click();
          await window.__ringside.emit("ringside://card", { type: "close", call, extension: "1001", reason: "answered_elsewhere", answered_by: "1002", at_ms: i });
          await window.__ringside.emit("ringside://card", { type: "call_end", call, answered_by: "1002", missed: false, at_ms: i });
          const notes = Array.from({ length: 400 }, (_, k) => ({ id: k, text: `note ${k} on call ${i}: ${"called about the delivery ".repeat(3)}`, createdAtMs: k }));
          await window.__ringside.emit("ringside://caller-context", {
            call,
            callerContext: {
              contact: null, callsToday: 1, recentSms: [],
              recentCalls: [{ callId: `old-${i}`, direction: "inbound", remoteNum: `+1555${i}`, outcome: "missed", startedAtMs: 0, notes }],
            },
          });
        }
      },
      [from, n],
    );
  await calls(0, 50);
  const before = await heapBytes();
  await calls(50, 500);
  const grown = (await heapBytes()) - before;
  assert.equal(await page.getByTestId("card").count(), 0, "every card was dismissed");
  assert.ok(grown < 5_000_000, `500 more calls kept ${Math.round(grown / 1e6)} MB in the popup's page (a kept caller history alone is ~40 kB)`);
  await assertClean(app);
  await app.context.close();
});

test("a call ringing at her extension takes the top of the popup, above texts that came before and after it", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001"]), POPUP_WINDOW);
  const { page } = app;
  for (const id of ["in-1", "in-2", "in-3"]) await emit(page, SMS, incomingSms(id, `Text ${id}: please call me back about the delivery on Friday, the driver could not find the dock.`));
  await emit(page, CARD, ringingAt("c-ring-01", "1001", "ACME Corp"));
  // A fourth text comes in while it rings: the text must not push the call down.
  await emit(page, SMS, incomingSms("in-4", "Text in-4: are you open on Saturday?"));

  const ringing = page.locator('[data-testid="card"][data-call="c-ring-01"]');
  await ringing.waitFor();
  const firstCard = await page.locator("#cards article").first().getAttribute("data-call");
  assert.equal(firstCard, "c-ring-01", "the ringing call is the first card, though texts came before and after it");
  for (const part of ["caller-name", "caller-number", "line-info"]) {
    const box = await boxOf(ringing.getByTestId(part));
    assert.ok(box && box.y >= 0 && box.y + box.height <= POPUP_WINDOW.height, `the ringing card's ${part} is inside the window (${JSON.stringify(box)})`);
  }
  assert.equal(await page.evaluate(() => window.scrollY), 0, "she sees it without scrolling");
  const texts = page.getByTestId("texts");
  const more = page.getByTestId("more-cards");
  const collapsed = (await more.isVisible()) ? Number((await more.textContent()).match(/\d+/)[0]) : 0;
  assert.equal(await texts.locator('[data-testid="sms-card"]:visible').count() + collapsed, 4, "every text is either shown in the texts section or counted in the '+N more' row");
  const callsBottom = (await ringing.boundingBox()).y;
  const textsTop = (await texts.boundingBox())?.y ?? Infinity;
  assert.ok(textsTop > callsBottom, "texts keep their own place below the calls");
  await screenshot(page, "popup-ringing-over-texts");
  await assertClean(app);
  await app.context.close();
});

test("an overflowing stack collapses into '+N more'; no ringing call is ever hidden", async () => {
  const app = await openApp(browser, server.url, "popup.html", shell(["1001", "1002"]), POPUP_WINDOW);
  const { page } = app;
  // An answered call (she is on it), two texts, a call rings, one more text.
  await emit(page, CARD, ringingAt("c-answ-01", "1001", "Answered Caller"));
  await emit(page, CARD, { type: "close", call: "c-answ-01", extension: "1001", reason: "answered", answered_by: "1001", at_ms: 1 });
  for (const id of ["in-1", "in-2"]) await emit(page, SMS, incomingSms(id, `Text ${id}`));
  await emit(page, CARD, ringingAt("c-ring-02", "1002", "Ringing Caller"));
  await emit(page, SMS, incomingSms("in-3", "Text in-3"));

  const stackOrder = () => page.locator("#cards article").evaluateAll((nodes) => nodes.map((n) => n.dataset.call ?? n.dataset.sms));
  assert.deepEqual(await stackOrder(), ["c-ring-02", "c-answ-01", "in-3", "in-2", "in-1"], "the ringing call, then the answered call, then the texts, newest first");

  const more = page.getByTestId("more-cards");
  assert.ok(await more.isVisible(), "the stack is taller than the window, so the rest is collapsed");
  const hidden = await page.locator("#cards article:not(:visible)").count();
  assert.ok(hidden > 0, "some cards were collapsed");
  assert.equal(await more.textContent(), `+${hidden} more`, "the row counts exactly the collapsed cards");
  const ringingBox = await boxOf(page.locator('[data-call="c-ring-02"]'));
  assert.ok(ringingBox && ringingBox.y >= 0 && ringingBox.y + ringingBox.height <= POPUP_WINDOW.height, "the ringing call is shown inside the window");
  const moreBox = await more.boundingBox();
  assert.ok(moreBox.y + moreBox.height <= POPUP_WINDOW.height, "the '+N more' row itself is inside the window");
  await screenshot(page, "popup-overflow-more");

  // She asks for the rest: everything is shown, the window scrolls.
  await more.click();
  assert.equal(await page.locator("#cards article:not(:visible)").count(), 0, "'+N more' shows every card");
  assert.equal(await more.isVisible(), false);

  // More ringing calls than the window holds: none of them is collapsed, and
  // a new ring brings the stack back to its top.
  await page.evaluate(() => window.scrollTo(0, 10_000));
  for (const n of ["04", "05", "06", "07"]) await emit(page, CARD, ringingAt(`c-ring-${n}`, "1001", `Caller ${n}`));
  const ringingCards = page.locator('[data-testid="card"][data-state="ringing"]');
  assert.equal(await ringingCards.count(), 5);
  assert.equal(await page.locator('[data-testid="card"][data-state="ringing"]:not(:visible)').count(), 0, "a ringing call is never hidden");
  assert.deepEqual((await stackOrder()).slice(0, 6), ["c-ring-07", "c-ring-06", "c-ring-05", "c-ring-04", "c-ring-02", "c-answ-01"], "ringing calls lead, newest first, above the answered call");
  assert.equal(await page.evaluate(() => window.scrollY), 0, "a new ring scrolls the stack back to its top");
  assert.ok(await more.isVisible(), "the answered call and the texts are collapsed again");
  await assertClean(app);
  await app.context.close();
});

test("every command the popup window invoked is granted to it by src-tauri's capability", async () => {
  const invoked = commandsInvoked("popup");
  assert.ok(invoked.length >= 5, `the tests above exercised the window's commands (saw ${invoked.join(", ")})`);
  const granted = await commandsGranted("popup");
  const refused = invoked.filter((c) => !granted.includes(c));
  assert.deepEqual(refused, [], "a command missing from the capability would be refused in the real app");
});
