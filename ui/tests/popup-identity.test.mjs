// Who is calling, on the popup's card, in real Chromium: the card shows at
// once with the PBX's caller name, and `ringside://caller-identity` fills it
// in when the shell knows more (the company directory answers late), naming
// where the name came from. The shell decides the name; these tests check
// that the card shows exactly what it was sent, as text, in any language.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cspViolations, emit, fixture, launchBrowser, liveCard, openApp, overflowing, popupChanges, screenshot, serveDist } from "./support.mjs";

const CARD = "ringside://card";
const CONTEXT = "ringside://caller-context";
const IDENTITY = "ringside://caller-identity";
const POPUP_WINDOW = { width: 380, height: 480 };
/** An 8×8 PNG, as the shell encodes a directory's `thumbnailPhoto`. */
const PHOTO =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4YaOBFTEMLQkAdntLARs7+acAAAAASUVORK5CYII=";

const SHELL = {
  get_status: { connection: { state: "connected", message: "" }, demo: false, extensions: ["1001"] },
  get_presence: [],
  list_live_calls: [],
  get_console: { parked: [], queues: [], voicemail: [], offers: [] },
  dismiss_popup: null,
};

/** A `CallerIdentity` as the shell sends it: every field present, most of them null. */
function identity(fields) {
  return { name: null, source: null, company: null, department: null, title: null, photo: null, pending: false, ...fields };
}

/** The ringing card of the incoming-answered capture ("ACME Corp", +15551234567), under call id `call`. */
async function ring(page, call = "1700000000.11", fields = {}) {
  const [popup] = popupChanges(call, await fixture("incoming-answered"));
  await emit(page, CARD, { ...popup, ...fields });
  const card = page.locator(`[data-testid="card"][data-call="${call}"]`);
  await card.waitFor();
  return { popup, card };
}

/** Whether the part `testid` of `card` is shown (present, not hidden, not in a hidden card). */
function shown(card, testid) {
  return card.getByTestId(testid).isVisible();
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
  assert.deepEqual(app.pageErrors, [], "no uncaught error in the page");
  assert.deepEqual(app.dialogs, [], "no alert/confirm/prompt was opened");
  assert.deepEqual(await cspViolations(app.page), [], "the photo and every value fit the app's CSP");
}

test("the card shows at once with the PBX's name; the directory's late answer fills the same card in", async () => {
  const app = await openApp(browser, server.url, "popup.html", SHELL);
  const { page } = app;
  const { popup, card } = await ring(page);
  assert.equal(await card.getByTestId("caller-name").textContent(), "ACME Corp", "before anyone answers, the PBX's caller name");
  for (const part of ["caller-source", "caller-org", "caller-photo", "identity-pending"]) {
    assert.equal(await shown(card, part), false, `${part} waits for the shell to say who is calling`);
  }
  const first = await card.elementHandle();

  await emit(page, IDENTITY, { call: popup.call, identity: identity({ name: "ACME Corp", source: "pbx", pending: true }) });
  assert.equal(await card.getByTestId("caller-source").textContent(), "Caller ID from the PBX");
  assert.equal(await card.getByTestId("identity-pending").textContent(), "Looking up the company directory…");
  assert.equal(await shown(card, "identity-pending"), true, "the directory is still being asked");
  await emit(page, CONTEXT, { call: popup.call, callerContext: { contact: null, callsToday: 2, recentCalls: [] } });
  await card.getByTestId("calls-today").waitFor();

  await emit(page, IDENTITY, {
    call: popup.call,
    identity: identity({
      name: "Wile E. Coyote",
      source: "directory",
      company: "ACME Corp",
      department: "Research & Development",
      title: "Chief Genius",
      photo: PHOTO,
    }),
  });
  assert.equal(await card.getByTestId("caller-name").textContent(), "Wile E. Coyote", "the directory's name replaces the PBX's");
  assert.equal(await card.getByTestId("caller-source").textContent(), "Company directory", "the card says where the name came from");
  assert.equal(await card.getByTestId("caller-org").textContent(), "ACME Corp · Research & Development · Chief Genius");
  assert.equal(await shown(card, "identity-pending"), false, "the directory answered: nothing is pending any more");
  const photo = card.getByTestId("caller-photo");
  assert.equal(await photo.isVisible(), true);
  await photo.evaluate((img) => img.decode());
  assert.equal(await photo.evaluate((img) => img.naturalWidth), 8, "the photo decoded under the app's CSP");
  assert.equal(await card.getAttribute("aria-label"), "Call from Wile E. Coyote", "a screen reader hears the same name");
  assert.equal(await card.getByTestId("caller-number").textContent(), "+15551234567", "the number stays");
  assert.equal(await card.getByTestId("calls-today").textContent(), "Called 2 times today", "the history stays");
  assert.equal(await first.evaluate((node) => node.isConnected), true, "the same card filled in: it was not closed and opened again");
  assert.equal(await page.getByTestId("card").count(), 1);
  await screenshot(page, "popup-identity-directory");
  await assertClean(app);
  await app.context.close();
});

test("each source names itself on the card; with no name, the card shows what the PBX sent as before", async () => {
  const app = await openApp(browser, server.url, "popup.html", SHELL, { width: 420, height: 1400 });
  const { page } = app;
  const cases = [
    ["contact", "Ann (saved by you)", "Saved contact"],
    ["directory", "Ann Example", "Company directory"],
    ["addressBook", "Ann E.", "Address book"],
    ["pbx", "ANN EXAMPLE", "Caller ID from the PBX"],
  ];
  for (const [i, [source, name, says]] of cases.entries()) {
    const { popup, card } = await ring(page, `src-${i}`, { caller_name: "PBX NAME" });
    await emit(page, IDENTITY, { call: popup.call, identity: identity({ name, source }) });
    assert.equal(await card.getByTestId("caller-name").textContent(), name, `${source}: the shell's name is the card's`);
    assert.equal(await card.getByTestId("caller-source").textContent(), says, `${source} names itself`);
    assert.equal(await shown(card, "caller-org"), false, `${source}: no company sent, no company line`);
  }
  const { popup, card } = await ring(page, "src-none", { caller_name: "<unknown>" });
  await emit(page, IDENTITY, { call: popup.call, identity: identity({}) });
  assert.equal(await card.getByTestId("caller-name").textContent(), "<unknown>", "no name from anyone: the card shows what it showed before");
  assert.equal(await shown(card, "caller-source"), false, "and claims no source for it");
  await assertClean(app);
  await app.context.close();
});

test("a saved contact seen in the history first, then named by the shell: the name moves to the head of the card, once", async () => {
  const app = await openApp(browser, server.url, "popup.html", SHELL);
  const { page } = app;
  const { popup, card } = await ring(page);
  const contact = { id: 7, name: "Wile E. Coyote", company: "ACME Corp", numbers: [popup.caller_num] };
  await emit(page, CONTEXT, { call: popup.call, callerContext: { contact, callsToday: 0, recentCalls: [] } });
  await card.getByTestId("contact-name").waitFor();
  assert.equal(await card.getByTestId("caller-name").textContent(), "ACME Corp", "before the identity, the card is as it always was");
  await emit(page, IDENTITY, { call: popup.call, identity: identity({ name: contact.name, source: "contact", company: contact.company }) });
  assert.equal(await card.getByTestId("caller-name").textContent(), "Wile E. Coyote");
  assert.equal(await card.getByTestId("caller-source").textContent(), "Saved contact");
  assert.equal(await card.getByTestId("caller-org").textContent(), "ACME Corp");
  assert.equal(await card.getByTestId("contact").count(), 0, "the name is said once, at the head, not again in the history part");
  await assertClean(app);
  await app.context.close();
});

test("a hostile name, company or photo from a directory is shown as text, never run or loaded", async () => {
  const app = await openApp(browser, server.url, "popup.html", SHELL);
  const { page } = app;
  const { popup, card } = await ring(page);
  const name = '<img src=x onerror="window.__pwned=1">\r\nEve';
  const company = "Evil\r\n<b>Corp</b>";
  const title = "<script>window.__pwned=2</script>";
  await emit(page, IDENTITY, {
    call: popup.call,
    identity: identity({ name, source: "directory", company, title, photo: "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" }),
  });
  assert.equal(await card.getByTestId("caller-name").textContent(), name, "the name's markup and line break are its text");
  assert.equal(await card.getByTestId("caller-org").textContent(), `${company} · ${title}`);
  assert.equal(await card.locator("b, script, img").count(), 0, "no element came from a value, and an SVG (which can hold script) is no photo");
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "nothing in a value ran");
  await assertClean(app);
  await app.context.close();
});

test("the pending hint goes when the directory finds nothing new; an early identity waits for its card; a late one for a dismissed card shows nowhere", async () => {
  const app = await openApp(browser, server.url, "popup.html", SHELL);
  const { page } = app;
  const { popup, card } = await ring(page);
  const known = { name: "ACME Corp", source: "pbx", company: "ACME Corp" };
  await emit(page, IDENTITY, { call: popup.call, identity: identity({ ...known, pending: true }) });
  assert.equal(await shown(card, "identity-pending"), true);
  await emit(page, IDENTITY, { call: popup.call, identity: identity({ ...known, pending: false }) });
  assert.equal(await shown(card, "identity-pending"), false, "timed out or found no one: the hint goes all the same");
  assert.equal(await card.getByTestId("caller-name").textContent(), "ACME Corp", "and what the card said stays");
  assert.equal(await card.getByTestId("caller-source").textContent(), "Caller ID from the PBX");
  assert.equal(await card.getByTestId("caller-org").textContent(), "ACME Corp");

  await emit(page, IDENTITY, { call: "early", identity: identity({ name: "Ann Example", source: "directory", pending: false }) });
  const { card: early } = await ring(page, "early");
  assert.equal(await early.getByTestId("caller-name").textContent(), "Ann Example", "the identity that came first is not lost");
  assert.equal(await early.getByTestId("caller-source").textContent(), "Company directory");

  await card.getByTestId("dismiss").click();
  await card.waitFor({ state: "detached" });
  await emit(page, IDENTITY, { call: popup.call, identity: identity({ name: "Late", source: "directory" }) });
  assert.equal(await page.locator(`[data-call="${popup.call}"]`).count(), 0, "an identity opens no card");
  assert.equal(await page.getByTestId("card").count(), 1);
  await assertClean(app);
  await app.context.close();
});

test("a consultation's card names the colleague by the identity, then, handed over, the caller as the call says, and keeps it", async () => {
  const truth = await fixture("atxfer-1003");
  const app = await openApp(browser, server.url, "popup.html", { ...SHELL, get_status: { ...SHELL.get_status, extensions: ["1003"] } });
  const { page } = app;
  const consult = popupChanges("1796392678.11", truth).find((p) => p.extension === "1003");
  const caller = truth.popups.find((p) => p.extension === "1001");
  await emit(page, CARD, { ...consult, caller_name: "Front desk", consulting_for: { caller_num: caller.caller_num, caller_name: caller.caller_name } });
  const card = page.locator('[data-testid="card"][data-extension="1003"]');
  await card.waitFor();
  await emit(page, IDENTITY, { call: consult.call, identity: identity({ name: "Alice Example", source: "directory", title: "Receptionist", pending: true }) });
  assert.equal(await card.getByTestId("caller-name").textContent(), "Alice Example", "the identity is for the number the card rang with: the colleague");

  const held = { ...consult, caller_num: caller.caller_num, caller_name: caller.caller_name, direction: "inbound" };
  const handedOver = liveCard(held, { state: "answered", answered_by: "1003", connected_to: "1003", transfers: [{ by: "1001", to: "1003", kind: "attended", at_ms: 3 }] });
  await emit(page, CARD, { type: "update", call: consult.call, card: handedOver, at_ms: 3 });
  assert.equal(await card.getByTestId("caller-name").textContent(), caller.caller_name, "the card is the caller's now");
  for (const part of ["caller-source", "caller-org", "identity-pending"]) {
    assert.equal(await shown(card, part), false, `${part} was about the colleague: it goes`);
  }
  await emit(page, IDENTITY, { call: consult.call, identity: identity({ name: "Alice Example", source: "directory", title: "Receptionist" }) });
  assert.equal(await card.getByTestId("caller-name").textContent(), caller.caller_name, "the directory's late answer about the colleague changes nothing");
  assert.equal(await shown(card, "caller-source"), false);
  await assertClean(app);
  await app.context.close();
});

const LANGS = {
  de: {
    locale: "de-DE",
    name: "Maximiliane Müller-Lüdenscheidt-Oberhausen",
    company: "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung GmbH",
    department: "Rechnungsprüfungsabteilungsleitungsstellvertretung",
    title: "Oberregierungsbaudirektorstellvertreterin",
    source: "Firmenverzeichnis",
    pending: "Suche im Firmenverzeichnis…",
  },
  "zh-CN": {
    locale: "zh-CN",
    name: "欧阳娜娜",
    company: "北京华夏国际物流有限公司",
    department: "国际货运代理部华东区客户服务中心",
    title: "高级客户经理",
    source: "企业通讯录",
    pending: "正在查询企业通讯录…",
  },
};

for (const [lang, want] of Object.entries(LANGS)) {
  test(`an enriched card in ${lang}: the source in her words, long words and CJK inside the card`, async () => {
    const app = await openApp(browser, server.url, "popup.html", SHELL, POPUP_WINDOW, { locale: want.locale });
    const { page } = app;
    const { popup, card } = await ring(page, "1700000000.11", { caller_name: want.company });
    await emit(page, IDENTITY, { call: popup.call, identity: identity({ name: want.company, source: "pbx", pending: true }) });
    assert.equal(await card.getByTestId("identity-pending").textContent(), want.pending);
    assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "nothing sticks out while the directory is asked");
    const { name, company, department, title } = want;
    await emit(page, IDENTITY, { call: popup.call, identity: identity({ name, source: "directory", company, department, title, photo: PHOTO }) });
    assert.equal(await card.getByTestId("caller-source").textContent(), want.source);
    assert.equal(await card.getByTestId("caller-org").textContent(), [company, department, title].join(" · "));
    await card.getByTestId("caller-photo").evaluate((img) => img.decode());
    assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "nothing sticks out of the enriched card");
    await screenshot(page, `i18n-popup-identity-${lang}`);
    await assertClean(app);
    await app.context.close();
  });
}
