// The attendant console (issue 16) in real Chromium with the shell mocked:
// the Parked calls and Queues panels, Pick up and the voicemail badge on
// the board, Park, "picked up by you", the recall banner and voicemail as a
// transfer target in the popup, and the console's two settings. The console
// commands and events are the generated ones (src-tauri/src/ipc_table.in).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  commandsGranted,
  commandsInvoked,
  cspViolations,
  emit,
  invocations,
  launchBrowser,
  liveCard,
  openApp,
  recordCommands,
  screenshot,
  serveDist,
} from "./support.mjs";

const VIEWPORT = { width: 1100, height: 900 };
const HOSTILE = "<img src=x onerror=window.__ringsideXss=1><script>window.__ringsideXss=2</script>";
/** The fake clock's start; the tests pause it a minute later. */
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const NOW = T0 + 60_000;

const PARKED = "ringside://parked";
const QUEUES = "ringside://queues";
const VOICEMAIL = "ringside://voicemail";
const RECALL = "ringside://recall";
const CONSOLE = "ringside://console";
const CARD = "ringside://card";

const ACTIONS = ["pickup", "park", "retrieve", "queue_pause", "queue_member", "voicemail"];
const ALLOWED = ACTIONS.map((action) => ({ action, allowed: true, why: null }));
function refusing(action, why) {
  return ACTIONS.map((a) => (a === action ? { action: a, allowed: false, why } : { action: a, allowed: true, why: null }));
}
const NO_AGENT_RIGHTS = "Your PBX user may not pause queue members: ask your PBX admin to give the AMI user the 'agent' permission.";

const COLLEAGUES = [
  { extension: "1001", name: "Alice Front Desk", state: "ringing" },
  { extension: "1002", name: "Bob Sales", state: "ringing" },
  { extension: "1003", name: "Carol Support", state: "inUse", talkingTo: "+15550001111" },
];

function parked(slot, fields = {}) {
  return {
    call: `p-${slot}`,
    slot,
    lot: "default",
    caller_num: "+15551234567",
    caller_name: "ACME Corp",
    parked_by: "1001",
    since_ms: NOW - 42_000,
    channel: `PJSIP/trunk-0000${slot}`,
    ...fields,
  };
}

function caller(n, fields = {}) {
  return {
    call: `q-${n}`,
    uniqueid: `170000${n}.1`,
    channel: `PJSIP/trunk-${n}`,
    position: n,
    caller_num: `+1555000${String(n).padStart(4, "0")}`,
    caller_name: `Caller ${n}`,
    joined_ms: NOW - 60_000 + n * 1000,
    ...fields,
  };
}

function member(ext, fields = {}) {
  return {
    interface: `PJSIP/${ext}`,
    name: `Agent ${ext}`,
    extension: ext,
    state: "not_in_use",
    paused: false,
    paused_reason: null,
    in_call: false,
    calls_taken: 3,
    ...fields,
  };
}

function queue(name, callers, members) {
  return { name, callers, members, summary: null };
}

function mainShell(consoleState, extra = {}) {
  return {
    get_status: { connection: { state: "connected", message: "Connected to Asterisk 23.4.1" }, demo: false, extensions: ["1001"] },
    get_presence: COLLEAGUES,
    list_live_calls: [],
    search_history: [],
    list_missed: { rows: [], older: false },
    search_contacts: [],
    search_sms: [],
    get_settings: {
      profile: "freePbx", host: "pbx.local", port: 5038, tls: false, amiUser: "ringside", hasSecret: true,
      extensions: ["1001"], watchedGroups: [], countryCode: "1", trunkPrefix: "", crmUrlTemplate: "",
      popupPosition: "bottomRight", popupDurationSecs: 20, notifications: true, notifyWithPopup: false, startWithOs: false, gsmSpan: 1,
      recallAfterSecs: 20, watchedQueues: [],
    },
    get_console: { parked: [], queues: [], voicemail: [], offers: ALLOWED, ...consoleState },
    ...extra,
  };
}

function popupShell(extra = {}) {
  return {
    get_status: { connection: { state: "connected", message: "Connected" }, demo: false, extensions: ["1001"] },
    get_presence: COLLEAGUES,
    list_live_calls: [],
    get_console: { parked: [], queues: [], voicemail: [], offers: ALLOWED },
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

async function assertClean(app, windowLabel) {
  await recordCommands(app, windowLabel);
  assert.deepEqual(app.pageErrors, [], "no uncaught error in the page");
  assert.deepEqual(app.dialogs, [], "no alert/confirm/prompt was opened");
  assert.deepEqual(await cspViolations(app.page), [], "nothing needed more than the app's CSP allows");
  assert.equal(await app.page.evaluate(() => window.__ringsideXss), undefined, "no script from a PBX string ran");
}

/** Lets the panels paint what they were sent: one frame of the fake clock. */
async function frame(page) {
  await page.clock.runFor(20);
}

/** Scrolls a list to its start or end, and waits for its scroll event (the browser's, not the fake clock's). */
async function scrollList(list, where) {
  await list.evaluate(
    (ul, to) =>
      new Promise((done) => {
        const view = ul.parentElement;
        view.addEventListener("scroll", () => done(), { once: true });
        view.scrollTop = to === "end" ? view.scrollHeight : 0;
      }),
    where,
  );
}

/** Opens the main window on the fake clock, paused at NOW. */
async function openMain(consoleState, extra) {
  const app = await openApp(browser, server.url, "index.html", mainShell(consoleState, extra), VIEWPORT, { clock: T0 });
  await app.page.clock.pauseAt(NOW);
  await frame(app.page);
  return app;
}

function failWith(message, code = "pbx_refused") {
  return { __error: { code, message } };
}

test("parked calls: filled from get_console, waiting time ticks each second, a click retrieves, a refusal shows on the row", async () => {
  const app = await openMain({ parked: [parked("72", { caller_name: null, caller_num: "+15559990000", since_ms: NOW - 5_000 }), parked("71")] });
  const { page } = app;
  const rows = page.getByTestId("parked-call");
  assert.equal(await rows.count(), 2);
  assert.equal(await page.getByTestId("parked-empty").isVisible(), false);
  assert.deepEqual(await page.getByTestId("parked-space").allTextContents(), ["Space 71", "Space 72"], "ordered by space");
  const first = rows.first();
  assert.equal(await first.getByTestId("parked-name").textContent(), "ACME Corp");
  assert.equal(await first.getByTestId("parked-by").textContent(), "parked by 1001");
  assert.equal(await first.getByTestId("parked-waiting").textContent(), "waiting 0:42");
  assert.equal(await rows.nth(1).getByTestId("parked-name").textContent(), "+15559990000", "a caller without a name is named by number");
  assert.equal(await first.getAttribute("aria-label"), "Retrieve ACME Corp from space 71 to your phone");

  // One timer ticks every row.
  await page.clock.runFor(1000);
  assert.equal(await first.getByTestId("parked-waiting").textContent(), "waiting 0:43");
  assert.equal(await rows.nth(1).getByTestId("parked-waiting").textContent(), "waiting 0:06");
  await page.clock.runFor(17_000);
  assert.equal(await first.getByTestId("parked-waiting").textContent(), "waiting 1:00");
  await screenshot(page, "console-parked");

  await page.evaluate(() => {
    window.__ringside.responses.retrieve = null;
  });
  await first.click();
  assert.deepEqual(await invocations(page, "retrieve"), [{ slot: "71", lot: "default" }]);
  const message = page.locator('[data-slot="71"]').getByTestId("parked-message");
  await message.filter({ hasText: "Retrieving ACME Corp from space 71… Your phone rings first; pick it up." }).waitFor();

  // The refusal is the shell's sentence, on the row she clicked.
  const refusal = "Space 72 is empty now: someone else retrieved the call.";
  await page.evaluate((m) => {
    window.__ringside.responses.retrieve = { __error: { code: "pbx_refused", message: m } };
  }, refusal);
  await rows.nth(1).click();
  const message72 = page.locator('[data-slot="72"]').getByTestId("parked-message");
  await message72.filter({ hasText: refusal }).waitFor();
  assert.equal(await message72.getAttribute("data-kind"), "error");
  assert.deepEqual((await invocations(page, "retrieve")).at(-1), { slot: "72", lot: "default" });

  // A snapshot keeps the rows that stay (and what they said), adds and removes the rest.
  await page.evaluate(() => {
    window.__row72 = document.querySelector('[data-slot="72"]');
  });
  await emit(page, PARKED, [parked("72", { caller_name: null, caller_num: "+15559990000", since_ms: NOW - 5_000 }), parked("801", { lot: "sales", caller_name: "Globex" })]);
  await frame(page);
  assert.deepEqual(await page.getByTestId("parked-space").allTextContents(), ["Space 72", "Space 801 (sales)"]);
  assert.ok(await page.evaluate(() => window.__row72.isConnected), "space 72's row was kept, not rebuilt");
  assert.equal(await message72.textContent(), refusal, "its message survived the snapshot");
  await page.getByTestId("parked-call").nth(1).click();
  assert.deepEqual((await invocations(page, "retrieve")).at(-1), { slot: "801", lot: "sales" }, "a named lot is sent with its space");

  // Not offered: every row is disabled and the panel says why.
  const why = "Your PBX user may not retrieve parked calls: ask your PBX admin to give the AMI user the 'originate' permission.";
  await emit(page, CONSOLE, refusing("retrieve", why));
  await frame(page);
  assert.equal(await page.getByTestId("parked-why").textContent(), why);
  assert.equal(await page.getByTestId("parked-call").first().isDisabled(), true);
  assert.equal(await page.getByTestId("parked-call").first().getAttribute("title"), why);

  await emit(page, PARKED, []);
  await frame(page);
  assert.equal(await page.getByTestId("parked-call").count(), 0);
  assert.equal(await page.getByTestId("parked-empty").textContent(), "No parked calls.");
  await assertClean(app, "main");
  await app.context.close();
});

test("queues: callers with position and live wait, the longest stands out; agents pause with a reason, unpause, log out and in", async () => {
  const support = queue(
    "support",
    [caller(2), caller(1), caller(3, { joined_ms: NOW - 70_000 })],
    [member("1002"), member("1003", { state: "in_use", in_call: true, paused: true, paused_reason: "Lunch" })],
  );
  const app = await openMain({ queues: [support, queue("sales", [], [])] });
  const { page } = app;
  const q = page.locator('[data-testid="queue"][data-queue="support"]');
  assert.equal(await q.getByTestId("queue-summary").textContent(), "3 waiting · 1 of 2 agents available");
  assert.deepEqual(await q.getByTestId("queue-position").allTextContents(), ["1.", "2.", "3."]);
  assert.deepEqual(await q.getByTestId("queue-caller-label").allTextContents(), ["Caller 1", "Caller 2", "Caller 3"]);
  assert.deepEqual(await q.getByTestId("queue-waiting").allTextContents(), ["waiting 0:59", "waiting 0:58", "waiting 1:10"]);
  // Caller 3 joined first (moved down after a priority caller): theirs is the longest wait.
  const longest = q.locator(".queue-caller.longest");
  assert.equal(await longest.count(), 1);
  assert.equal(await longest.getByTestId("queue-caller-label").textContent(), "Caller 3");
  assert.equal(await q.getByTestId("longest-tag").filter({ visible: true }).count(), 1);
  assert.equal(await longest.getByTestId("longest-tag").textContent(), "Longest wait", "said in words, not colour alone");
  await page.clock.runFor(1000);
  assert.equal(await longest.getByTestId("queue-waiting").textContent(), "waiting 1:11");
  const sales = page.locator('[data-testid="queue"][data-queue="sales"]');
  assert.equal(await sales.getByTestId("queue-no-callers").isVisible(), true);
  assert.equal(await sales.getByTestId("queue-no-members").isVisible(), true);

  const bob = q.locator('[data-interface="PJSIP/1002"]');
  const carol = q.locator('[data-interface="PJSIP/1003"]');
  assert.match(await bob.getByTestId("member-state").textContent(), /^Available · 3 calls taken$/);
  assert.equal(await carol.getByTestId("member-paused").textContent(), "paused: Lunch");
  assert.match(await carol.getByTestId("member-state").textContent(), /^On a call · 3 calls taken · paused: Lunch$/);
  assert.equal(await carol.getByTestId("member-pause").isVisible(), false, "a paused agent offers Unpause instead");

  await page.evaluate(() => {
    Object.assign(window.__ringside.responses, { queue_pause: null, queue_member: null });
  });
  await bob.getByTestId("member-pause").click();
  await bob.getByTestId("pause-reason").fill("Training");
  await screenshot(page, "console-queues");
  await bob.getByTestId("pause-confirm").click();
  await bob.getByTestId("member-message").filter({ hasText: "Paused: support does not ring Agent 1002 until you unpause." }).waitFor();
  assert.deepEqual(await invocations(page, "queue_pause"), [{ queue: "support", member: "PJSIP/1002", paused: true, reason: "Training" }]);
  assert.equal(await bob.getByTestId("pause-form").isVisible(), false);

  await carol.getByTestId("member-unpause").click();
  await carol.getByTestId("member-message").filter({ hasText: "Agent 1003 takes calls from support again." }).waitFor();
  assert.deepEqual((await invocations(page, "queue_pause")).at(-1), { queue: "support", member: "PJSIP/1003", paused: false });

  await bob.getByTestId("member-logout").click();
  await bob.getByTestId("member-message").filter({ hasText: "Agent 1002 is logged out of support." }).waitFor();
  assert.deepEqual(await invocations(page, "queue_member"), [{ queue: "support", member: "PJSIP/1002", loggedIn: false }]);

  await q.getByTestId("queue-login-extension").fill("10 04;Action");
  await q.getByTestId("queue-login").click();
  assert.match(await q.getByTestId("queue-login-message").textContent(), /^Type the agent's extension/);
  assert.equal((await invocations(page, "queue_member")).length, 1, "a bad extension is never sent");
  await q.getByTestId("queue-login-extension").fill("1004");
  await q.getByTestId("queue-login").click();
  await q.getByTestId("queue-login-message").filter({ hasText: "1004 is logged in to support." }).waitFor();
  assert.deepEqual((await invocations(page, "queue_member")).at(-1), { queue: "support", member: "1004", loggedIn: true });

  // The PBX's refusal, in its words, on the agent's row.
  const refusal = "Agent 1003 is a permanent member of queue support (set in the PBX's configuration), so it cannot be logged out from here: ask your PBX admin.";
  await page.evaluate((m) => {
    window.__ringside.responses.queue_member = { __error: { code: "pbx_refused", message: m } };
  }, refusal);
  await carol.getByTestId("member-logout").click();
  await carol.getByTestId("member-message").filter({ hasText: refusal }).waitFor();
  assert.equal(await carol.getByTestId("member-message").getAttribute("data-kind"), "error");

  // A snapshot: caller 1 was answered, the others moved up, Bob is paused now.
  await page.evaluate(() => {
    window.__caller3 = document.querySelector('[data-call="q-3"]');
  });
  const next = queue(
    "support",
    [caller(2, { position: 1 }), caller(3, { position: 2, joined_ms: NOW - 70_000 })],
    [member("1002", { paused: true, paused_reason: "Training" }), member("1003", { state: "in_use", in_call: true })],
  );
  await emit(page, QUEUES, [next]);
  await frame(page);
  assert.deepEqual(await q.getByTestId("queue-caller-label").allTextContents(), ["Caller 2", "Caller 3"]);
  assert.ok(await page.evaluate(() => window.__caller3.isConnected), "a caller's row is kept when others come and go");
  assert.equal(await bob.getByTestId("member-paused").textContent(), "paused: Training");
  assert.equal(await carol.getByTestId("member-message").textContent(), refusal, "the agent's message survives the snapshot");
  assert.equal(await sales.count(), 0, "a queue no longer watched is gone");

  // Without the 'agent' right: the buttons are disabled and the queue says why.
  await emit(page, CONSOLE, refusing("queue_pause", NO_AGENT_RIGHTS));
  await frame(page);
  assert.equal(await bob.getByTestId("member-unpause").isDisabled(), true);
  assert.equal(await bob.getByTestId("member-unpause").getAttribute("title"), NO_AGENT_RIGHTS);
  assert.equal(await carol.getByTestId("member-pause").isDisabled(), true);
  assert.equal(await carol.getByTestId("member-logout").isDisabled(), false, "logging out is a different right");
  assert.equal(await q.getByTestId("queue-why").textContent(), NO_AGENT_RIGHTS);
  assert.equal(await q.getByTestId("queue-why").isVisible(), true);
  await screenshot(page, "console-queues-not-allowed");
  await assertClean(app, "main");
  await app.context.close();
});

test("queues at scale: 200 callers and 50 agents, one agent's change touches only that agent's row", async () => {
  const callers = Array.from({ length: 200 }, (_, i) => caller(i + 1, { joined_ms: NOW - 600_000 + i * 1000 }));
  const members = Array.from({ length: 50 }, (_, i) => member(String(2000 + i)));
  const app = await openMain({ queues: [queue("support", callers, members)] });
  const { page } = app;
  const q = page.locator('[data-testid="queue"][data-queue="support"]');
  // Only the callers in the list's window are drawn, each saying where it stands in the 200.
  const drawn = await q.getByTestId("queue-caller").count();
  assert.ok(drawn >= 12 && drawn <= 30, `about a window of rows is drawn, not all 200 (${drawn})`);
  assert.equal(await q.getByTestId("queue-callers").getAttribute("data-total"), "200");
  assert.equal(await q.getByTestId("queue-caller").first().getAttribute("aria-setsize"), "200");
  assert.equal(await q.getByTestId("queue-caller").first().getAttribute("aria-posinset"), "1");
  assert.equal(await q.locator(".queue-member").count(), 50);
  assert.equal(
    await q.getByTestId("queue-caller").first().evaluate((li) => getComputedStyle(li).contain),
    "content",
    "a caller row's changes (its number, its clock) are laid out and painted inside it",
  );
  assert.equal(await q.locator(".queue-caller.longest").getAttribute("data-call"), "q-1");
  // The scroll bar is the whole queue's: scrolled to the end, the last callers are drawn in place.
  await scrollList(q.getByTestId("queue-callers"), "end");
  await frame(page);
  const last = q.locator('[data-testid="queue-caller"][data-call="q-200"]');
  assert.equal(await last.getByTestId("queue-position").textContent(), "200.");
  assert.equal(await last.isVisible(), true);
  assert.equal(await last.getAttribute("aria-posinset"), "200");
  assert.equal(await q.locator('[data-call="q-1"]').count(), 0, "the head, out of view, is not drawn");
  const box = await q.getByTestId("queue-callers").locator("xpath=..").boundingBox();
  const lastBox = await last.boundingBox();
  assert.ok(lastBox.y + lastBox.height <= box.y + box.height + 1 && lastBox.y >= box.y, "the last caller sits inside the list's view");
  await scrollList(q.getByTestId("queue-callers"), "start");
  await frame(page);
  assert.equal(await q.locator(".queue-caller.longest").getAttribute("data-call"), "q-1");

  // Watch every change the next snapshots make to the panel.
  await page.evaluate(() => {
    window.__mutated = new Set();
    window.__observer = new MutationObserver((records) => {
      for (const r of records) {
        const row = (r.target.nodeType === 1 ? r.target : r.target.parentElement).closest("li");
        const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        window.__mutated.add(row ? row.dataset.interface ?? row.dataset.call ?? "?" : node.className || node.id || node.nodeName);
      }
    });
    window.__observer.observe(document.getElementById("queues"), { subtree: true, childList: true, characterData: true, attributes: true });
  });
  // The agent's name, to check below that a change of state alone leaves it as it was.
  await page.evaluate(() => {
    window.__name2017 = document.querySelector('[data-interface="PJSIP/2017"] [data-testid="member-name"]').firstChild;
  });
  const changed = members.map((m) => (m.extension === "2017" ? { ...m, state: "ringing" } : m));
  // A burst of identical snapshots, as the shell may send under load, then the one that changes something.
  for (let i = 0; i < 20; i++) await emit(page, QUEUES, [queue("support", callers, members)]);
  await emit(page, QUEUES, [queue("support", callers, changed)]);
  await frame(page);
  assert.deepEqual(
    (await page.evaluate(() => [...window.__mutated])).sort(),
    ["PJSIP/2017", "queue-summary"],
    "only the agent whose state changed, and the count of available agents, were written to",
  );
  assert.equal(await q.getByTestId("queue-summary").textContent(), "200 waiting · 49 of 50 agents available");
  assert.match(await q.locator('[data-interface="PJSIP/2017"]').getByTestId("member-state").textContent(), /^Ringing/);
  assert.equal(
    await page.evaluate(() => document.querySelector('[data-interface="PJSIP/2017"] [data-testid="member-name"]').firstChild === window.__name2017),
    true,
    "a change of state keeps the agent's name node: rebuilding it made the engine style and lay it out again",
  );

  // One tick rewrites the waiting times and nothing else, each in the Text node already there.
  const clocks = () =>
    page.evaluate(() => {
      window.__clocks ??= [...document.querySelectorAll('[data-queue="support"] [data-testid="queue-waiting"]')].map((n) => n.firstChild);
      return window.__clocks.map((text) => ({ kept: text.isConnected && text.parentNode.firstChild === text && text.parentNode.lastChild === text, data: text.data }));
    });
  const before = await clocks();
  await page.evaluate(() => {
    window.__mutated.clear();
    window.__kinds = new Set();
    window.__kindObserver = new MutationObserver((records) => records.forEach((r) => window.__kinds.add(r.type)));
    window.__kindObserver.observe(document.getElementById("queues"), { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.clock.runFor(1000);
  const ticked = await page.evaluate(() => [...window.__mutated]);
  assert.equal(ticked.filter((k) => k.startsWith("PJSIP/")).length, 0, "no agent row is touched by the clock");
  assert.equal(ticked.length, drawn, "each drawn caller's time, once");
  assert.deepEqual(await page.evaluate(() => [...window.__kinds]), ["characterData"], "a tick only changes text: no node is replaced, no attribute set");
  const after = await clocks();
  assert.ok(after.every((c) => c.kept), "every clock keeps its one Text node");
  assert.ok(after.every((c, i) => c.data !== before[i].data), "and each one's time moved on");
  await assertClean(app, "main");
  await app.context.close();
});

test("board: Pick up on a ringing colleague, its refusal, disabled with why; the voicemail badge; Pick up and Park on live calls", async () => {
  const ringingCall = liveCard(
    { call: "c-ring", caller_num: "+15557770000", caller_name: "Initech", direction: "inbound" },
    { ringing: ["1003"], rang: ["1003"] },
  );
  const answeredCall = liveCard(
    { call: "c-talk", caller_num: "+15551234567", caller_name: "ACME Corp", direction: "inbound" },
    { state: "answered", answered_by: "1001", connected_to: "1001" },
  );
  const app = await openMain(
    { voicemail: [{ extension: "1002", new: 2, old: 5, updated_ms: NOW }, { extension: "1003", new: 0, old: 1, updated_ms: NOW }] },
    { list_live_calls: [ringingCall, answeredCall], pickup: null, park: null },
  );
  const { page } = app;
  const row = (ext) => page.locator(`li.colleague-row[data-extension="${ext}"]`);
  assert.equal(await row("1001").getByTestId("pickup").isVisible(), false, "no Pick up on her own ringing phone");
  assert.equal(await row("1003").getByTestId("pickup").isVisible(), false, "no Pick up on a phone that does not ring");
  const pickup = row("1002").getByTestId("pickup");
  assert.equal(await pickup.isVisible(), true);
  assert.equal(await pickup.getAttribute("aria-label"), "Pick up Bob Sales's ringing call");

  const badge = row("1002").getByTestId("voicemail-badge");
  assert.equal(await badge.isVisible(), true);
  assert.equal(await badge.textContent(), "✉ 2 (2 new voicemails)");
  assert.equal(await badge.getAttribute("title"), "2 new voicemails");
  assert.equal(await row("1003").getByTestId("voicemail-badge").count(), 0, "no badge at 0 new");
  await screenshot(page, "console-board");

  await pickup.click();
  assert.deepEqual(await invocations(page, "pickup"), [{ extension: "1002" }]);
  await row("1002").getByTestId("colleague-message").filter({ hasText: "Picking up Bob Sales's call… Your phone rings first; pick it up." }).waitFor();
  assert.equal((await invocations(page, "dial")).length, 0, "the Pick up button is not a click on the colleague");

  const refusal = "1002's phone stopped ringing before the pickup: nothing to pick up.";
  await page.evaluate((m) => {
    window.__ringside.responses.pickup = { __error: { code: "pbx_refused", message: m } };
  }, refusal);
  await pickup.click();
  await row("1002").getByTestId("colleague-message").filter({ hasText: refusal }).waitFor();
  assert.equal(await row("1002").getByTestId("colleague-message").getAttribute("data-kind"), "error");

  const why = "This PBX does not let AMI users have the 'originate' permission, so Ringside cannot pick up colleagues' calls here.";
  await emit(page, CONSOLE, refusing("pickup", why));
  assert.equal(await pickup.isDisabled(), true);
  assert.equal(await row("1002").getByTestId("pickup-why").textContent(), why);
  assert.equal(await row("1002").getByTestId("pickup-why").isVisible(), true);

  // Voicemail and presence come as snapshots.
  await emit(page, VOICEMAIL, [{ extension: "1003", new: 1, old: 1, updated_ms: NOW }]);
  assert.equal(await row("1002").getByTestId("voicemail-badge").count(), 0);
  assert.equal(await row("1003").getByTestId("voicemail-badge").getAttribute("title"), "1 new voicemail");
  await emit(page, "ringside://presence", COLLEAGUES.map((c) => (c.extension === "1002" ? { ...c, state: "idle" } : c)));
  assert.equal(await row("1002").getByTestId("pickup").isVisible(), false, "Pick up goes when the phone stops ringing");
  assert.equal(await row("1002").getByTestId("pickup-why").isVisible(), false);

  // The live calls: Pick up a call ringing at a colleague, Park one she talks on.
  await emit(page, CONSOLE, ALLOWED);
  const ringingChip = page.locator('li.live-call-row[data-call="c-ring"]');
  const talkingChip = page.locator('li.live-call-row[data-call="c-talk"]');
  assert.equal(await ringingChip.getByTestId("live-call-park").isVisible(), false);
  assert.equal(await talkingChip.getByTestId("live-call-pickup").isVisible(), false);
  await page.evaluate(() => {
    window.__ringside.responses.pickup = null;
  });
  await ringingChip.getByTestId("live-call-pickup").click();
  assert.deepEqual((await invocations(page, "pickup")).at(-1), { extension: "1003" }, "the colleague it rings at");
  await ringingChip.getByTestId("live-call-message").filter({ hasText: "Picking up Carol Support's call…" }).waitFor();
  await talkingChip.getByTestId("live-call-park").click();
  assert.deepEqual(await invocations(page, "park"), [{ call: "c-talk" }]);
  await talkingChip.getByTestId("live-call-message").filter({ hasText: "Parking ACME Corp… The Parked calls panel shows its space." }).waitFor();
  await screenshot(page, "console-live-calls");

  // The main window's word on a recall (the popup shows the caller's card).
  await emit(page, RECALL, { type: "recall", call: "c-talk", from: "1002", to: "1001" });
  assert.equal(await page.getByTestId("board-message").textContent(), "A caller you transferred came back from 1002: not answered. Your phone rings.");
  await emit(page, RECALL, { type: "gave_up", call: "c-talk", from: "1002", to: "1001" });
  assert.equal(await page.getByTestId("board-message").textContent(), "Ringside could not bring the caller back from 1002: they are still ringing there.");
  assert.equal(await page.getByTestId("board-message").getAttribute("data-kind"), "error");
  await emit(page, RECALL, { type: "answered", call: "c-talk", from: "1002", by: "1002" });
  assert.match(await page.getByTestId("board-message").textContent(), /^Ringside could not bring/, "an answer says nothing new");
  await assertClean(app, "main");
  await app.context.close();
});

test("hostile caller, agent and reason strings in the panels are literal text", async () => {
  const app = await openMain({
    parked: [parked("71", { caller_name: HOSTILE, parked_by: "<b>1001</b>" })],
    queues: [
      queue(
        "<i>support</i>",
        [caller(1, { caller_name: HOSTILE }), caller(2, { caller_name: "\u202Eevil\u202C name" })],
        [member("1002", { name: HOSTILE, paused: true, paused_reason: "<script>window.__ringsideXss=3</script>" })],
      ),
    ],
  });
  const { page } = app;
  // Long strings are cut on screen and kept whole in the title; either way they are text.
  assert.equal(await page.getByTestId("parked-name").getAttribute("title"), HOSTILE);
  assert.ok(HOSTILE.startsWith((await page.getByTestId("parked-name").textContent()).slice(0, -1)));
  assert.equal(await page.getByTestId("parked-by").textContent(), "parked by <b>1001</b>");
  const q = page.getByTestId("queue");
  assert.equal(await q.locator(".queue-name").textContent(), "<i>support</i>");
  assert.equal(await q.getByTestId("queue-caller-label").first().getAttribute("title"), HOSTILE);
  assert.equal(await q.getByTestId("queue-caller-label").nth(1).getAttribute("dir"), "auto", "in its own bidi isolate");
  assert.equal(await q.getByTestId("member-name").locator(".outside").getAttribute("title"), HOSTILE);
  assert.equal(await q.getByTestId("member-paused").textContent(), "paused: <script>window.__ringsideXss=3</script>");
  assert.equal(await page.locator("#panel-calls img, #panel-calls script, #panel-calls b, #panel-calls i").count(), 0, "no element came from a PBX string");
  await assertClean(app, "main");
  await app.context.close();
});

test("recall popup: 'Back from 1002: not answered' on the caller's card, one click sends to 1002's voicemail", async () => {
  const app = await openApp(browser, server.url, "popup.html", popupShell({ send_to_voicemail: null }));
  const { page } = app;
  const base = { type: "popup", extension: "1001", direction: "inbound", trunk: "carrier", did: null, queue: null, transferred_by: null, consultation: false, consulting_for: null, park_return: false, park_slot: null, parked_by: null, at_ms: 0 };
  await emit(page, CARD, { ...base, call: "c1", caller_num: "+15551234567", caller_name: HOSTILE });
  await emit(page, RECALL, { type: "recall", call: "c1", from: "1002", to: "1001" });
  const card = page.locator('[data-testid="card"][data-call="c1"]');
  await card.getByTestId("recall").waitFor();
  assert.equal(await card.getByTestId("recall-text").textContent(), "Back from 1002: not answered");
  const send = card.getByTestId("recall-voicemail");
  assert.equal(await send.textContent(), "Send to 1002's voicemail");
  assert.equal(await card.getByTestId("caller-name").getAttribute("title"), HOSTILE, "the caller's name stays literal text");
  await screenshot(page, "popup-recall");
  await send.click();
  await card.getByTestId("recall-message").filter({ hasText: "Sent to 1002's voicemail." }).waitFor();
  assert.deepEqual(await invocations(page, "send_to_voicemail"), [{ call: "c1", extension: "1002" }]);

  const refusal = "The caller hung up before Ringside could send them to voicemail.";
  await page.evaluate((m) => {
    window.__ringside.responses.send_to_voicemail = { __error: { code: "unknown_call", message: m } };
  }, refusal);
  await send.click();
  await card.getByTestId("recall-message").filter({ hasText: refusal }).waitFor();
  assert.equal(await card.getByTestId("recall-message").getAttribute("data-kind"), "error");

  // The recall may come before the card of the new ring: the card shows it when it opens.
  await emit(page, RECALL, { type: "recall", call: "c2", from: "600", to: "1001" });
  await emit(page, CARD, { ...base, call: "c2", caller_num: "+15550002222", caller_name: "Globex" });
  const second = page.locator('[data-testid="card"][data-call="c2"]');
  assert.equal(await second.getByTestId("recall-text").textContent(), "Back from 600: not answered");

  // No card at all (dismissed): it is rebuilt from the live call, at her extension.
  await page.evaluate(() => {
    window.__ringside.responses.list_live_calls = [
      {
        call: "c3", caller_num: "+15550003333", caller_name: "Umbrella", direction: "inbound", trunk: "carrier", did: null, queue: null,
        dialed: null, from_extension: null, ringing: ["1001"], rang: ["1002", "1001"], state: "ringing", answered_by: "1001",
        answered_by_trunk: null, answered_at_ms: 1, transfers: [{ by: "1001", to: "1002", kind: "blind", at_ms: 2 }], started_at_ms: 0,
        connected_to: null, picked_up_by: null, parked: null, consulting: null,
      },
    ];
  });
  await emit(page, RECALL, { type: "recall", call: "c3", from: "1002", to: "1001" });
  const third = page.locator('[data-testid="card"][data-call="c3"]');
  await third.getByTestId("recall").waitFor();
  assert.equal(await third.getAttribute("data-extension"), "1001");
  assert.equal(await third.getByTestId("caller-name").textContent(), "Umbrella");

  // The other outcomes: gave_up is a plain sentence on the card; answered and redirect open nothing.
  await emit(page, RECALL, { type: "gave_up", call: "c2", from: "600", to: "1001" });
  await second.getByTestId("card-feedback").filter({ hasText: "Ringside could not bring the caller back from 600: they are still ringing there." }).waitFor();
  const cardsBefore = await page.getByTestId("card").count();
  await emit(page, RECALL, { type: "redirect", call: "c9", from: "1002", to: "1001" });
  await emit(page, RECALL, { type: "answered", call: "c9", from: "1002", by: "1002" });
  assert.equal(await page.getByTestId("card").count(), cardsBefore, "no card for a redirect or an answer");

  // Without the voicemail offer the button stays, disabled, and says why.
  const why = "Ringside does not know which number reaches a colleague's voicemail on this PBX: ask your PBX admin for it and set it in the PBX profile.";
  await emit(page, CONSOLE, refusing("voicemail", why));
  assert.equal(await send.isDisabled(), true);
  assert.equal(await card.getByTestId("recall-voicemail-why").textContent(), why);
  await assertClean(app, "popup");
  await app.context.close();
});

test("popup: Park on an answered card (disabled with why when not offered), 'picked up by you', voicemail as a transfer target", async () => {
  const app = await openApp(browser, server.url, "popup.html", popupShell({ park: null, send_to_voicemail: null }));
  const { page } = app;
  const popup = { type: "popup", call: "c1", extension: "1001", caller_num: "+15551234567", caller_name: "ACME Corp", direction: "inbound", trunk: "carrier", did: null, queue: null, transferred_by: null, consultation: false, consulting_for: null, park_return: false, park_slot: null, parked_by: null, at_ms: 0 };
  await emit(page, CARD, popup);
  const card = page.locator('[data-testid="card"][data-call="c1"]');
  await card.waitFor();
  assert.equal(await card.getByTestId("action-park").isVisible(), false, "no Park while it rings");
  await emit(page, CARD, { type: "update", call: "c1", card: liveCard(popup, { state: "answered", answered_by: "1001", connected_to: "1001" }), at_ms: 1 });
  const park = card.getByTestId("action-park");
  assert.equal(await park.isVisible(), true);
  assert.equal(await park.isDisabled(), false);
  await park.click();
  assert.deepEqual(await invocations(page, "park"), [{ call: "c1" }]);
  await emit(page, PARKED, [parked("71", { call: "c1" })]);
  await card.getByTestId("card-feedback").filter({ hasText: "Parked in space 71. Retrieve it from the main window." }).waitFor();
  // The tracker's card says it is parked: nobody is on it, so no Park; retrieved to her, it is hers again.
  const spot = { slot: "71", lot: "default", parked_by: "1001" };
  await emit(page, CARD, { type: "update", call: "c1", card: liveCard(popup, { state: "answered", answered_by: "1001", connected_to: null, parked: spot }), at_ms: 2 });
  assert.equal(await card.getByTestId("card-status").textContent(), "Waiting in parking space 71");
  assert.equal(await park.isVisible(), false, "no Park for a parked call");
  await emit(page, CARD, { type: "update", call: "c1", card: liveCard(popup, { state: "answered", answered_by: "1001", connected_to: "1001" }), at_ms: 3 });
  assert.equal(await card.getByTestId("card-status").textContent(), "Answered by you (1001)");
  assert.equal(await park.isVisible(), true);
  assert.equal(await card.getByTestId("card-feedback").textContent(), "Left parking space 71.", "'Retrieve it from the main window' no longer holds");

  const refusal = "The PBX could not park the call: its parking lot is full. Retrieve a parked call first.";
  await page.evaluate((m) => {
    window.__ringside.responses.park = { __error: { code: "pbx_refused", message: m } };
  }, refusal);
  await park.click();
  await card.getByTestId("card-feedback").filter({ hasText: refusal }).waitFor();

  const why = "This PBX has no call parking.";
  await emit(page, CONSOLE, refusing("park", why));
  assert.equal(await park.isDisabled(), true);
  assert.equal(await card.getByTestId("action-park-why").textContent(), why);
  assert.equal(await park.getAttribute("title"), why);
  await screenshot(page, "popup-park-not-offered");

  // Her pickup of a colleague's call: the card reads "picked up by you".
  const ringing = { ...popup, call: "c2", caller_name: "Globex" };
  await emit(page, CARD, ringing);
  await emit(page, CARD, {
    type: "update",
    call: "c2",
    card: liveCard(ringing, { state: "answered", answered_by: "1001", connected_to: "1001", picked_up_by: "1001", rang: ["1002"] }),
    at_ms: 2,
  });
  const picked = page.locator('[data-testid="card"][data-call="c2"]');
  assert.equal(await picked.getByTestId("card-status").textContent(), "Picked up by you (1001)");

  // Voicemail as a transfer target, only where the PBX allows it.
  await emit(page, CONSOLE, ALLOWED);
  await card.getByTestId("action-transfer").click();
  const bobVoicemail = card.locator('[data-testid="transfer-voicemail"][data-extension="1002"]');
  assert.equal(await bobVoicemail.getAttribute("aria-label"), "Send to Bob Sales's voicemail (1002)");
  await bobVoicemail.click();
  await card.getByTestId("card-feedback").filter({ hasText: "Sent to Bob Sales's voicemail (1002)." }).waitFor();
  assert.deepEqual(await invocations(page, "send_to_voicemail"), [{ call: "c1", extension: "1002" }]);
  assert.deepEqual(await invocations(page, "transfer"), [], "not a transfer to the colleague's phone");
  await emit(page, CONSOLE, refusing("voicemail", "No voicemail here."));
  await card.getByTestId("action-transfer").click();
  assert.equal(await card.getByTestId("transfer-target").first().isVisible(), true);
  assert.equal(await card.locator('[data-testid="transfer-voicemail"]:visible').count(), 0, "no voicemail target when it is not offered");
  await assertClean(app, "popup");
  await app.context.close();
});

test("popup: her phone ringing again for a call (a transfer come back, a parked call timed out) reads as ringing, without Park, until she answers", async () => {
  const app = await openApp(browser, server.url, "popup.html", popupShell({ park: null }));
  const { page } = app;
  const popup = { type: "popup", call: "c1", extension: "1001", caller_num: "+15551234567", caller_name: "ACME Corp", direction: "inbound", trunk: "carrier", did: null, queue: null, transferred_by: null, consultation: false, consulting_for: null, park_return: false, park_slot: null, parked_by: null, at_ms: 0 };
  const answered = (at_ms, fields = {}) => ({ type: "update", call: "c1", card: liveCard(popup, { state: "answered", answered_by: "1001", connected_to: "1001", ...fields }), at_ms });
  await emit(page, CARD, popup);
  await emit(page, CARD, { type: "close", call: "c1", extension: "1001", reason: "answered", answered_by: "1001", at_ms: 1 });
  await emit(page, CARD, answered(2));
  const card = page.locator('[data-testid="card"][data-call="c1"]');
  assert.equal(await card.getByTestId("card-status").textContent(), "Answered by you (1001)");
  assert.equal(await card.getByTestId("action-park").isVisible(), true);

  // She blind-transfers it; 1002 does not answer and the recall rings her phone again (the tracker sends a new popup).
  await emit(page, CARD, answered(3, { ringing: ["1002"], transfers: [{ by: "1001", to: "1002", kind: "blind", at_ms: 3 }] }));
  await emit(page, CARD, { ...popup, at_ms: 4 });
  // ... and its live card says so, still "answered by 1001" (she did, before the transfer).
  await emit(page, CARD, answered(4, { ringing: ["1001"], connected_to: null, transfers: [{ by: "1001", to: "1002", kind: "blind", at_ms: 3 }] }));
  await emit(page, RECALL, { type: "recall", call: "c1", from: "1002", to: "1001" });
  await card.getByTestId("recall").waitFor();
  assert.equal(await page.getByTestId("card").count(), 1, "the same card, not a second one");
  assert.equal(await card.getByTestId("card-status").textContent(), "Ringing at 1001", "not 'Answered by you' while it rings");
  assert.equal(await card.getAttribute("data-state"), "ringing");
  assert.equal(await card.getByTestId("action-park").isVisible(), false, "no Park while it rings");
  assert.equal(await card.getByTestId("recall-text").textContent(), "Back from 1002: not answered");

  await emit(page, CARD, { type: "close", call: "c1", extension: "1001", reason: "answered", answered_by: "1001", at_ms: 5 });
  assert.equal(await card.getByTestId("card-status").textContent(), "Answered by you (1001)");
  assert.equal(await card.getByTestId("action-park").isVisible(), true, "Park again once she is on the call");

  // Parked, nobody retrieves it: it rings her again, and the card says where it comes back from.
  await emit(page, CARD, { ...popup, park_return: true, park_slot: "71", parked_by: "1001", at_ms: 6 });
  assert.equal(await card.getByTestId("card-status").textContent(), "Back from parking space 71 (parked by 1001). Ringing at 1001");
  assert.equal(await card.getByTestId("action-park").isVisible(), false);

  // A card already going away (missed here) makes way for the new ring instead of taking it along.
  const other = { ...popup, call: "c2", caller_name: "Globex" };
  await emit(page, CARD, other);
  await emit(page, CARD, { type: "close", call: "c2", extension: "1001", reason: "missed", answered_by: null, at_ms: 7 });
  const globex = page.locator('[data-testid="card"][data-call="c2"]');
  assert.equal(await globex.getByTestId("card-status").textContent(), "Missed call");
  await emit(page, CARD, { ...other, at_ms: 8 });
  assert.equal(await globex.getByTestId("card-status").textContent(), "Ringing at 1001");
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await globex.count(), 1, "still up after the closing card's 2.5 s");
  await assertClean(app, "popup");
  await app.context.close();
});

test("settings: the recall delay is 0 or 5 to 600 seconds, the queues to show a list of names; both are saved", async () => {
  const app = await openApp(browser, server.url, "index.html", mainShell({}, { save_settings: null }), VIEWPORT);
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  assert.equal(await page.getByTestId("settings-recall").inputValue(), "20", "a shell without the field yet: the default, 20");
  assert.equal(await page.getByTestId("settings-watched-queues").inputValue(), "");
  for (const bad of ["3", "601", "12.5", "-5", "soon"]) {
    await page.getByTestId("settings-recall").fill(bad);
    await page.getByTestId("settings-save").click();
    assert.equal(
      await page.getByTestId("error-recallAfterSecs").textContent(),
      "Bring a transferred caller back: a whole number of seconds from 5 to 600, or 0 to never bring them back.",
      `${bad} is refused`,
    );
  }
  await page.getByTestId("settings-recall").fill("0");
  await page.getByTestId("settings-watched-queues").fill("support, sales\u202E;x y/z");
  await page.getByTestId("settings-save").click();
  assert.equal(await page.getByTestId("error-recallAfterSecs").textContent(), "");
  assert.equal(
    await page.getByTestId("error-watchedQueues").textContent(),
    "Queues to show: one name holds an invisible character; type the names again (letters, digits, dots, - and _ only). Separate queues with commas.",
    "a right-to-left override is not quoted back: it would reverse the sentence",
  );
  assert.equal(await page.getByTestId("settings-watched-queues").getAttribute("aria-invalid"), "true");
  await page.getByTestId("settings-watched-queues").scrollIntoViewIfNeeded();
  await screenshot(page, "console-settings");
  assert.deepEqual(await invocations(page, "save_settings"), [], "nothing invalid is sent");

  await page.getByTestId("settings-watched-queues").fill("support, sales/x");
  await page.getByTestId("settings-save").click();
  assert.match(await page.getByTestId("error-watchedQueues").textContent(), /^Queues to show: "sales\/x" is not a queue name/);
  await page.getByTestId("settings-watched-queues").fill("support, sales 600");
  await page.getByTestId("settings-recall").fill("45");
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  const [saved] = await invocations(page, "save_settings");
  assert.equal(saved.settings.recallAfterSecs, 45);
  assert.deepEqual(saved.settings.watchedQueues, ["support", "sales", "600"]);
  await app.context.close();

  const again = await openApp(
    browser,
    server.url,
    "index.html",
    mainShell({}, { get_settings: { ...mainShell({}).get_settings, recallAfterSecs: 0, watchedQueues: ["support"] } }),
    VIEWPORT,
  );
  await again.page.getByTestId("tab-settings").click();
  assert.equal(await again.page.getByTestId("settings-recall").inputValue(), "0", "0 (never) is shown as saved");
  assert.equal(await again.page.getByTestId("settings-watched-queues").inputValue(), "support");
  await again.context.close();
});

test("get_console failing: the reason is shown, and every console button waits with it", async () => {
  const reason = "Ringside is not connected to the PBX. Check the connection in Settings.";
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    mainShell({}, { get_console: failWith(reason, "not_connected") }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("console-message").filter({ hasText: reason }).waitFor();
  const pickup = page.locator('li.colleague-row[data-extension="1002"]').getByTestId("pickup");
  assert.equal(await pickup.isDisabled(), true);
  assert.equal(await pickup.getAttribute("title"), reason);
  // The shell comes back: its offers and snapshots take over.
  await emit(page, CONSOLE, ALLOWED);
  assert.equal(await pickup.isDisabled(), false);
  assert.equal(await page.getByTestId("console-message").textContent(), "");
  await assertClean(app, "main");
  await app.context.close();
});

test("each window's capability grants the console commands it invoked", async () => {
  for (const label of ["main", "popup"]) {
    const granted = await commandsGranted(label);
    const refused = commandsInvoked(label).filter((c) => !granted.includes(c));
    assert.deepEqual(refused, [], `the ${label} window's capability grants what it invoked`);
  }
});
