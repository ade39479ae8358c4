// The attendant console end to end (issue 16), a phase of run.mjs that
// shares its helpers (`h`). Its own simulated PBX (Asterisk 12+ dialect)
// takes calls typed on its standard input (`--calls-from-stdin`), so each
// call rings when the test is ready for it; its own app instance has its
// own config and data dirs and is run with `--pbx`.
//   - In Settings she sets "Bring a transferred caller back after" to 5 s
//     and saves: the session starts again (a second Login reaches the PBX).
//   - ACME Corp rings 1001 and is answered; Park on its popup card makes
//     the PBX receive Park of the caller's channel, coming back to 1001's,
//     and the card reads "Waiting in parking space 7x"; the Parked calls
//     panel shows the call with its space and caller; clicking the row
//     makes the PBX receive the Originate from 1001 to that space in the
//     lot's context (parkedcalls), the panel empties and the card reads
//     "Answered by you (1001)" again.
//   - Initech rings 1001 and is answered; Transfer… → 1002 on its popup
//     makes the PBX receive BlindTransfer of 1001's channel to 1002. 1002
//     rings longer than the recall's 5 s (the simulator's colleague answers
//     after the call's ring time, 15 s here), so the app sends the caller
//     back: the PBX receives one Redirect of the caller's channel to 1001,
//     and the popup shows "Back from 1002: not answered" with the button
//     "Send to 1002's voicemail" on the caller's card, which reads "Ringing
//     at 1001" until 1001 answers. No second Redirect comes.
import { Session, waitFor } from "./webdriver.mjs";

const PARKED = { number: "+15551234567", name: "ACME Corp" };
const TRANSFERRED = { number: "+442071234567", name: "Initech" };
/** The simulator's lot: spaces 71-79, retrieved in this context (the generic profile's). */
const LOT_CONTEXT = "parkedcalls";
const RECALL_SECS = "5";
/** 1002 answers after this; the recall must come first, so well beyond RECALL_SECS. */
const COLLEAGUE_RING_SECS = 15;

/** One call for the simulator's `--calls-from-stdin`: `who` rings 1001, answered after `ring` s. */
function call(pbx, who, did, ring) {
  pbx.stdin.write(`from=${who.number},name=${who.name},did=${did},to=1001,ring=${ring},talk=900\n`);
}

const cardOf = (who) => `[data-testid="card"][aria-label="Call from ${who.name}"]`;

/** Whether the element `css` is shown (present, not hidden, laid out). */
function shown(session, css) {
  return session.exec(
    "const e = document.querySelector(arguments[0]); return !!e && !e.hidden && e.getClientRects().length > 0;",
    css,
  );
}

function text(session, css) {
  return session.exec("return document.querySelector(arguments[0])?.innerText ?? '';", css);
}

/** The actions named `name` the simulated PBX received. */
function received(h, pbx, name) {
  return h.pbxActions(pbx).filter((a) => (h.field(a, "Action") ?? "").toLowerCase() === name.toLowerCase());
}

/** Waits for `who`'s popup card, answered at 1001 (Park is offered only then); returns its call id. */
async function answeredCard(session, who, ringSecs) {
  await session.switchToPage("popup.html");
  const park = `${cardOf(who)}[data-state="answered"] [data-testid="action-park"]`;
  await waitFor(`the popup card of ${who.name}, answered at 1001, to offer Park`, 30_000 + ringSecs * 1000, async () => shown(session, park));
  return session.exec("return document.querySelector(arguments[0]).dataset.call;", `${cardOf(who)}[data-state="answered"]`);
}

/**
 * Settings: the PBX as the command line gives it (the page asks for a PBX
 * before it saves anything) and "bring a transferred caller back after"
 * 5 s, saved: the session restarts with it (a new Login at the PBX).
 */
async function saveShortRecall(h, session, pbx, addr) {
  const logins = received(h, pbx, "Login").length;
  await session.switchToPage("index.html");
  await session.click('[data-testid="tab-settings"]');
  // Typed only once the page has loaded the saved settings, which would overwrite it.
  await waitFor("Settings to show the saved recall time", 10_000, async () =>
    (await session.exec("return document.querySelector('[data-testid=\"settings-recall\"]').value;")) !== "",
  );
  await session.type('[data-testid="settings-host"]', addr.slice(0, addr.lastIndexOf(":")));
  await session.type('[data-testid="settings-port"]', addr.slice(addr.lastIndexOf(":") + 1));
  await session.type('[data-testid="settings-user"]', "ringside");
  await session.type('[data-testid="settings-extensions"]', "1001");
  await session.type('[data-testid="settings-recall"]', RECALL_SECS);
  await session.click('[data-testid="settings-save"]');
  await waitFor("Settings to say 'Settings saved.'", 10_000, async () =>
    /^Settings saved/.test(await text(session, '[data-testid="settings-message"]')),
  );
  await waitFor("the app to log in again with the new recall time", 30_000, async () => received(h, pbx, "Login").length > logins);
  await h.mainConnected(session, "the restarted session to say Connected");
  h.pass(`saving "bring a transferred caller back after ${RECALL_SECS} s" restarted the app's session (a new Login reached the PBX)`);
}

/** Park from the popup, see it in the Parked calls panel, retrieve it with a click. */
async function parkAndRetrieve(h, session, pbx) {
  call(pbx, PARKED, "5550100", 2);
  const id = await answeredCard(session, PARKED, 2);
  h.screenshot("10-popup-answered");
  h.pass(`${PARKED.name} rang 1001 and was answered; its popup card offers Park`);

  await session.click(`${cardOf(PARKED)}[data-call="${id}"] [data-testid="action-park"]`);
  const park = await waitFor("the PBX to receive Park", 15_000, async () => received(h, pbx, "Park")[0]);
  const parked = h.field(park, "Channel") ?? "";
  const back = h.field(park, "TimeoutChannel") ?? "";
  if (!/^PJSIP\/carrier-/.test(parked)) throw new Error(`Park named channel '${parked}', not the caller's PJSIP/carrier-...`);
  if (!/^PJSIP\/1001-/.test(back)) throw new Error(`Park's TimeoutChannel is '${back}', not 1001's PJSIP/1001-... channel`);
  h.pass(`the PBX received Park of ${parked}, coming back to ${back}`);
  const status = await waitFor("the popup card to say the call waits in a parking space", 15_000, async () => {
    const t = await text(session, `${cardOf(PARKED)}[data-call="${id}"] [data-testid="card-status"]`);
    return /^Waiting in parking space 7[1-9]$/.test(t) && !(await shown(session, `${cardOf(PARKED)}[data-call="${id}"] [data-testid="action-park"]`)) ? t : null;
  });
  h.pass(`the popup card reads "${status}" and offers Park no more`);

  await session.switchToPage("index.html");
  await session.click('[data-testid="tab-calls"]');
  const row = await waitFor(`the Parked calls panel to show ${PARKED.name}`, 20_000, async () => {
    const rows = await session.exec(`return [...document.querySelectorAll('[data-testid="parked-call"]')].map((b) => ({
      slot: b.closest('li').dataset.slot,
      space: b.querySelector('[data-testid="parked-space"]').innerText,
      caller: b.querySelector('[data-testid="parked-caller"]').innerText,
    }));`);
    return rows.length === 1 && rows[0].caller.includes(PARKED.name) ? rows[0] : null;
  });
  if (!/^7[1-9]$/.test(row.slot) || row.space !== `Space ${row.slot}`) {
    throw new Error(`the parked row says '${row.space}' for slot '${row.slot}', not a space of the lot (71-79)`);
  }
  if (!row.caller.includes(PARKED.number)) throw new Error(`the parked row names '${row.caller}', without ${PARKED.number}`);
  h.screenshot("11-parked-panel");
  h.pass(`the Parked calls panel shows ${row.space}: ${row.caller}`);

  await session.click(`li[data-slot="${row.slot}"] [data-testid="parked-call"]`);
  const originate = await waitFor(`the PBX to receive the Originate to space ${row.slot}`, 15_000, async () =>
    received(h, pbx, "Originate").find((a) => h.field(a, "Exten") === row.slot),
  );
  const [chan, context] = [h.field(originate, "Channel"), h.field(originate, "Context")];
  if (chan !== "PJSIP/1001" || context !== LOT_CONTEXT) {
    throw new Error(`the retrieve Originate rang '${chan}' in context '${context}', not PJSIP/1001 in ${LOT_CONTEXT}`);
  }
  h.pass(`clicking the row made the PBX receive Originate from ${chan} to ${row.slot}@${context}`);
  await waitFor("the Parked calls panel to empty", 20_000, async () =>
    (await session.exec('return document.querySelectorAll(\'[data-testid="parked-call"]\').length;')) === 0 &&
    shown(session, '[data-testid="parked-empty"]'),
  );
  h.screenshot("12-parked-retrieved");
  h.pass(`the retrieved call left the panel ("${await text(session, '[data-testid="parked-empty"]')}")`);
  await session.switchToPage("popup.html");
  const card = `${cardOf(PARKED)}[data-call="${id}"]`;
  await waitFor("the popup card to read answered by 1001 again, out of the parking space", 20_000, async () =>
    (await text(session, `${card} [data-testid="card-status"]`)) === "Answered by you (1001)" &&
    (await text(session, `${card} [data-testid="card-feedback"]`)) === `Left parking space ${row.slot}.`,
  );
  h.pass(`the popup card reads "Answered by you (1001)" and "Left parking space ${row.slot}." again`);
}

/** A blind transfer to 1002 that 1002 does not answer in time comes back. */
async function transferComesBack(h, session, pbx) {
  call(pbx, TRANSFERRED, "5550600", COLLEAGUE_RING_SECS);
  const id = await answeredCard(session, TRANSFERRED, COLLEAGUE_RING_SECS);
  const card = `${cardOf(TRANSFERRED)}[data-call="${id}"]`;
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
  h.screenshot("13-popup-transfer");
  const blind = await waitFor("the PBX to receive BlindTransfer to 1002", 15_000, async () => received(h, pbx, "BlindTransfer")[0]);
  if (!/^PJSIP\/1001-/.test(h.field(blind, "Channel") ?? "") || h.field(blind, "Exten") !== "1002") {
    throw new Error(`BlindTransfer moved '${h.field(blind, "Channel")}' to '${h.field(blind, "Exten")}', not 1001's channel to 1002`);
  }
  h.pass(`the PBX received BlindTransfer of ${h.field(blind, "Channel")} to 1002`);

  const toHer = () => received(h, pbx, "Redirect").filter((a) => h.field(a, "Exten") === "1001");
  const redirect = await waitFor(`the app to send the caller back to 1001 (recall after ${RECALL_SECS} s)`, 30_000, async () => toHer()[0]);
  if (!/^PJSIP\/carrier-/.test(h.field(redirect, "Channel") ?? "")) {
    throw new Error(`the recall redirected '${h.field(redirect, "Channel")}', not the caller's PJSIP/carrier-... channel`);
  }
  h.pass(`1002 did not answer: the PBX received Redirect of ${h.field(redirect, "Channel")} back to 1001`);

  await session.switchToPage("popup.html");
  const banner = await waitFor(`the popup to say the call is back from 1002`, 20_000, async () => {
    const found = await session.exec(`return [...document.querySelectorAll(arguments[0])].map((c) => ({
      text: c.querySelector('[data-testid="recall-text"]')?.innerText ?? '',
      button: c.querySelector('[data-testid="recall-voicemail"]')?.innerText ?? '',
      disabled: c.querySelector('[data-testid="recall-voicemail"]')?.disabled ?? null,
      why: c.querySelector('[data-testid="recall-voicemail-why"]')?.innerText ?? '',
      state: c.dataset.state,
      status: c.querySelector('[data-testid="card-status"]')?.innerText ?? '',
    })).find((b) => b.text);`, cardOf(TRANSFERRED));
    return found ?? null;
  });
  if (banner.text !== "Back from 1002: not answered") throw new Error(`the recall banner says '${banner.text}'`);
  if (banner.button !== "Send to 1002's voicemail") throw new Error(`the recall banner offers '${banner.button}', not "Send to 1002's voicemail"`);
  // The generic profile knows no voicemail number: the offer stays, disabled, saying why.
  if (banner.disabled && !banner.why.trim()) throw new Error("the voicemail offer is disabled without saying why");
  // 1001 answers only after its ring time (15 s): until then the card reads as ringing, not as the call she had answered.
  if (banner.state !== "ringing" || banner.status !== "Ringing at 1001") {
    throw new Error(`the returned caller's card reads '${banner.status}' (${banner.state}), not 'Ringing at 1001'`);
  }
  h.screenshot("14-popup-recall");
  h.pass(`the popup shows "${banner.text}" with "${banner.button}"${banner.disabled ? ` (disabled: ${banner.why.trim()})` : ""}, on the card ringing at 1001 again`);

  // The caller is back ringing at 1001 (the recall card came from that ring); nothing sends it again.
  await waitFor("1001 to answer the returned caller", 30_000 + COLLEAGUE_RING_SECS * 1000, async () =>
    shown(session, `${cardOf(TRANSFERRED)}[data-state="answered"] [data-testid="recall"]`),
  );
  const redirects = toHer();
  if (redirects.length !== 1) throw new Error(`the PBX received ${redirects.length} Redirects of the caller to 1001, not one`);
  h.pass("the caller was answered back at 1001 after exactly one Redirect");
}

/** The console phase: `h` holds run.mjs's helpers and paths. */
export async function consoleThroughPopup(h) {
  const pbx = h.start(
    "pbxsim-console",
    h.PBXSIM,
    ["--listen", "127.0.0.1:0", "--dialect", "modern", "--user", "ringside", "--print-actions", "--calls-from-stdin"],
    { RINGSIDE_PBXSIM_SECRET: h.SECRET },
    { stdin: true },
  );
  const listening = await waitFor("the console PBX's 'listening on' line", 30_000, async () =>
    pbx.lines.map((l) => /^listening on (\S+)/.exec(l)).find(Boolean),
  );
  const { driver, base } = await h.startDriver("app-console", { RINGSIDE_AMI_SECRET: h.SECRET, RINGSIDE_CONFIG_DIR: h.CONSOLE_CONFIG_DIR });
  const session = await Session.create(
    base,
    h.appCaps(["--pbx", listening[1], "--user", "ringside", "--extension", "1001", "--data-dir", h.CONSOLE_DATA_DIR]),
  );
  try {
    await h.mainConnected(session, "the app to connect to the console PBX");
    await saveShortRecall(h, session, pbx, listening[1]);
    await parkAndRetrieve(h, session, pbx);
    await transferComesBack(h, session, pbx);
  } finally {
    // The PBX goes first: with calls still up, the app keeps its popup and does not exit with the session.
    pbx.kill();
    await h.stopApp(session, driver);
  }
}
