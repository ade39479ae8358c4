// Settings' company directory (LDAP / Active Directory) and address book
// (CardDAV) sections in real Chromium with the shell mocked: what
// save_settings receives, the passwords handed to the keyring after the
// settings and wiped from the page, "Test directory" naming the failed step
// in her language with the shell's detail, a plain connection's warning,
// field-named validation, "Sync now" counts, and the German page fitting
// its window.

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

/** Settings as saved before issue 19: no directory or address book fields at all. */
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

const DIRECTORY = {
  url: "ldaps://dc1.example.com",
  startTls: false,
  fingerprint: "AB:".repeat(31) + "AB",
  caFile: "/etc/ssl/corp-ca.pem",
  bindDn: "ringside@example.com",
  baseDn: "ou=People,dc=example,dc=com",
  filter: "(|(telephoneNumber={number})(mobile={number}))",
  attributes: ["telephoneNumber", "mobile", "ipPhone"],
};
const ADDRESS_BOOK = { url: "https://cloud.example.com", user: "reception", fingerprint: null, caFile: "", syncMinutes: 30 };
const SAVED_SETTINGS = {
  ...OLD_SETTINGS,
  directory: DIRECTORY,
  hasDirectoryPassword: true,
  addressBook: ADDRESS_BOOK,
  hasAddressBookPassword: true,
};

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

/** Types the two sections as DIRECTORY and ADDRESS_BOOK, the pin in lower case without colons. */
async function fillSections(page) {
  await page.getByTestId("settings-directory-url").fill(DIRECTORY.url);
  await page.getByTestId("settings-directory-fingerprint").fill("ab".repeat(32));
  await page.getByTestId("settings-directory-ca-file").fill(DIRECTORY.caFile);
  await page.getByTestId("settings-directory-bind-dn").fill(DIRECTORY.bindDn);
  await page.getByTestId("settings-directory-base-dn").fill(DIRECTORY.baseDn);
  await page.getByTestId("settings-directory-filter").fill(DIRECTORY.filter);
  await page.getByTestId("settings-directory-attributes").fill("telephoneNumber, mobile ipPhone");
  await page.getByTestId("settings-address-book-url").fill(ADDRESS_BOOK.url);
  await page.getByTestId("settings-address-book-user").fill(ADDRESS_BOOK.user);
  await page.getByTestId("settings-address-book-sync-minutes").fill("30");
}

/** Sets the canned answer of a command from now on. */
function answer(page, cmd, value) {
  return page.evaluate(([c, v]) => (window.__ringside.responses[c] = v), [cmd, value]);
}

test("directory and address book: saved as typed, the passwords go to the keyring after the settings and are wiped from the page", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({ save_settings: null, set_directory_password: null, set_address_book_password: null }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  assert.equal(await page.getByTestId("settings-directory-url").inputValue(), "", "settings saved before the sections existed show them empty");
  assert.equal(await page.getByTestId("settings-address-book-sync-minutes").inputValue(), "15", "and the shell's default sync interval");
  assert.match(await page.getByTestId("directory-password-state").textContent(), /^Not set yet/);
  assert.match(await page.getByTestId("address-book-password-state").textContent(), /^Not set yet/);

  const directoryPassword = "Dir-p4ss!word";
  const bookPassword = "Book-p4ss!word";
  await fillSections(page);
  await page.getByTestId("settings-directory-password").fill(directoryPassword);
  await page.getByTestId("settings-address-book-password").fill(bookPassword);
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();

  const [saved] = await invocations(page, "save_settings");
  assert.deepEqual(saved.settings.directory, DIRECTORY, "the directory as typed, the pin in its canonical form, the attributes split");
  assert.deepEqual(saved.settings.addressBook, ADDRESS_BOOK, "the address book as typed; an empty pin is null");
  assert.equal(saved.settings.host, "pbx.local", "the rest of the form travels with them");
  assert.deepEqual(await invocations(page, "set_directory_password"), [{ password: directoryPassword }]);
  assert.deepEqual(await invocations(page, "set_address_book_password"), [{ password: bookPassword }]);
  const order = await page.evaluate(() =>
    window.__ringside.calls.map((x) => x.cmd).filter((c) => ["save_settings", "set_directory_password", "set_address_book_password"].includes(c)),
  );
  assert.deepEqual(
    order,
    ["save_settings", "set_directory_password", "set_address_book_password"],
    "settings first: the keyring entries are named after the saved server and user",
  );
  assert.equal(await page.getByTestId("settings-directory-password").inputValue(), "", "the directory password is wiped from the page");
  assert.equal(await page.getByTestId("settings-address-book-password").inputValue(), "", "the address book password is wiped from the page");
  assert.match(await page.getByTestId("directory-password-state").textContent(), /^Saved in the system keyring/);
  assert.match(await page.getByTestId("address-book-password-state").textContent(), /^Saved in the system keyring/);
  assert.ok(!JSON.stringify(saved).includes(directoryPassword) && !JSON.stringify(saved).includes(bookPassword), "no password travels with the settings");
  const html = await page.content();
  assert.ok(!html.includes(directoryPassword) && !html.includes(bookPassword), "no password is left in the page");

  // Saving again with the password fields empty sends nothing more to the keyring.
  await page.getByTestId("settings-save").click();
  await page.waitForFunction(() => window.__ringside.calls.filter((c) => c.cmd === "save_settings").length === 2);
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  assert.equal((await invocations(page, "set_directory_password")).length, 1, "an empty password field sends nothing");
  await assertClean(app);
  await app.context.close();

  // After a restart the shell's saved sections fill the form, and saving sends them back unchanged.
  const again = await openApp(browser, server.url, "index.html", shell({ get_settings: SAVED_SETTINGS, save_settings: null }), VIEWPORT);
  await again.page.getByTestId("tab-settings").click();
  assert.equal(await again.page.getByTestId("settings-directory-fingerprint").inputValue(), DIRECTORY.fingerprint);
  assert.equal(await again.page.getByTestId("settings-directory-attributes").inputValue(), "telephoneNumber, mobile, ipPhone");
  assert.equal(await again.page.getByTestId("settings-directory-password").inputValue(), "", "a saved password is never shown");
  assert.match(await again.page.getByTestId("directory-password-state").textContent(), /^Saved in the system keyring/);
  assert.match(await again.page.getByTestId("address-book-password-state").textContent(), /^Saved in the system keyring/);
  await again.page.getByTestId("settings-save").click();
  await again.page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  const [resaved] = await invocations(again.page, "save_settings");
  assert.deepEqual(resaved.settings.directory, DIRECTORY);
  assert.deepEqual(resaved.settings.addressBook, ADDRESS_BOOK);
  await assertClean(again);
  await again.context.close();
});

test("a password typed before its server is saved: the shell's refusal is shown and the field is wiped all the same", async () => {
  const refusal = "Company directory: save the server and the user first, then type the password.";
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({ set_directory_password: { __error: { code: "invalid_setting", message: refusal } }, set_address_book_password: null }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("settings-directory-password-save").click();
  assert.equal(await page.getByTestId("settings-message").textContent(), "Type the directory password first.");
  assert.deepEqual(await invocations(page, "set_directory_password"), [], "an empty field sends nothing");

  await page.getByTestId("settings-directory-password").fill("typed-too-early");
  await page.getByTestId("settings-directory-password-save").click();
  await page.getByTestId("settings-message").filter({ hasText: refusal }).waitFor();
  assert.equal(await page.getByTestId("settings-message").textContent(), `${refusal} The directory password was not saved; type it again.`);
  assert.equal(await page.getByTestId("settings-message").getAttribute("data-kind"), "error");
  assert.equal(await page.getByTestId("settings-directory-password").inputValue(), "", "wiped even though the keyring did not take it");
  assert.match(await page.getByTestId("directory-password-state").textContent(), /^Not set yet/, "the state still says no password");

  await page.getByTestId("settings-address-book-password").fill("book-secret");
  await page.getByTestId("settings-address-book-password-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Address book password saved in the system keyring." }).waitFor();
  assert.deepEqual(await invocations(page, "set_address_book_password"), [{ password: "book-secret" }]);
  assert.match(await page.getByTestId("address-book-password-state").textContent(), /^Saved in the system keyring/);
  await assertClean(app);
  await app.context.close();
});

test("Test directory: each failed step in her words with the shell's detail; a plain connection warns that the password travels in clear", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({ set_directory_password: null }), VIEWPORT);
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  await fillSections(page);
  const result = page.getByTestId("directory-test-result");
  const failures = [
    ["reach", "dc1.example.com:636: connection refused", "Could not reach the directory server. Check its address and your network."],
    ["tls", "the certificate's SHA-256 fingerprint is 12:34:…", "The server's certificate did not match, so no secure connection was made. Check the certificate settings."],
    ["signIn", "invalidCredentials (49) for ringside@example.com", "The directory refused the sign-in. Check the user and the password."],
    ["search", "noSuchObject (32): ou=People,dc=example,dc=com", "Signed in, but the search failed. Check the search base and the filter."],
  ];
  for (const [step, detail, sentence] of failures) {
    await answer(page, "test_directory", { ok: false, step, encrypted: true, message: detail });
    await page.getByTestId("settings-directory-test").click();
    await result.filter({ hasText: detail }).waitFor();
    assert.equal(await result.textContent(), `${sentence} (${detail})`, `the ${step} step is named, then the shell's detail`);
    assert.equal(await result.getAttribute("data-kind"), "error");
  }
  const tested = await invocations(page, "test_directory");
  assert.equal(tested.length, 4);
  assert.deepEqual(tested[0].settings.directory, DIRECTORY, "the test uses the form as typed, before saving");

  await answer(page, "test_directory", { ok: true, step: null, encrypted: false, message: "" });
  await page.getByTestId("settings-directory-url").fill("ldap://dc1.example.com");
  await page.getByTestId("settings-directory-test").click();
  await result.filter({ hasText: "not encrypted" }).waitFor();
  assert.equal(
    await result.textContent(),
    "The directory works, but the connection is not encrypted: the password travels in clear. Use ldaps:// or turn on StartTLS.",
  );
  assert.equal(await result.getAttribute("data-kind"), "warn", "a working but plain connection is a warning, not a success");

  await answer(page, "test_directory", { ok: true, step: null, encrypted: true, message: "" });
  await page.getByTestId("settings-directory-starttls").check();
  await page.getByTestId("settings-directory-password").fill("typed-then-tested");
  await page.getByTestId("settings-directory-test").click();
  await result.filter({ hasText: "The directory works: the connection is encrypted" }).waitFor();
  assert.equal(await result.getAttribute("data-kind"), "ok");
  assert.equal((await invocations(page, "test_directory")).at(-1).settings.directory.startTls, true);
  assert.deepEqual(await invocations(page, "set_directory_password"), [{ password: "typed-then-tested" }], "a typed password is kept before the test uses it");
  assert.equal(await page.getByTestId("settings-directory-password").inputValue(), "");

  await answer(page, "test_directory", { __error: { code: "invalid_setting", message: "Company directory: cannot read the CA file /etc/ssl/corp-ca.pem: No such file or directory." } });
  await page.getByTestId("settings-directory-test").click();
  await result.filter({ hasText: "cannot read the CA file" }).waitFor();
  assert.equal(await result.getAttribute("data-kind"), "error", "the shell's refusal is shown in place");
  await screenshot(page, "main-settings-directory");
  await assertClean(app);
  await app.context.close();
});

test("directory and address book validation names each field; nothing invalid is saved or tested", async () => {
  const app = await openApp(browser, server.url, "index.html", shell({ save_settings: null }), VIEWPORT);
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("settings-directory-url").fill("https://dc1.example.com");
  await page.getByTestId("settings-directory-fingerprint").fill("AB:CD:not-a-fingerprint");
  await page.getByTestId("settings-directory-filter").fill("(telephoneNumber=*)");
  await page.getByTestId("settings-directory-attributes").fill("telephoneNumber, mobile)(uid=*");
  await page.getByTestId("settings-address-book-url").fill("webcal://cloud.example.com");
  await page.getByTestId("settings-address-book-fingerprint").fill("12345");
  await page.getByTestId("settings-address-book-sync-minutes").fill("2");
  await page.getByTestId("settings-save").click();

  const errors = {
    directoryUrl: "Directory server: use an ldaps:// or ldap:// address, such as ldaps://dc1.example.com.",
    directoryFingerprint: "Directory certificate: paste the SHA-256 fingerprint, 64 hexadecimal digits (colons allowed).",
    directoryFilter: "Search filter: put {number} where the caller's number goes, or leave the filter empty.",
    directoryAttributes: 'Number attributes: "mobile)(uid=*" is not an attribute name (letters, digits and - only). Separate them with commas.',
    addressBookUrl: "Address book server: use an https:// or http:// address, such as https://cloud.example.com.",
    addressBookUser: "User name: enter the user name you sign in to the address book with.",
    addressBookFingerprint: "Address book certificate: paste the SHA-256 fingerprint, 64 hexadecimal digits (colons allowed).",
    addressBookSyncMinutes: "Sync every: a whole number of minutes from 5 to 1440.",
  };
  for (const [field, message] of Object.entries(errors)) {
    assert.equal(await page.getByTestId(`error-${field}`).textContent(), message, `${field} is named in its own error`);
  }
  assert.equal(await page.getByTestId("settings-error").count(), Object.keys(errors).length, "exactly the bad fields are in the summary");
  assert.equal(await page.getByTestId("settings-directory-url").getAttribute("aria-invalid"), "true");
  assert.deepEqual(await invocations(page, "save_settings"), [], "nothing invalid is saved");
  await page.getByTestId("settings-error").filter({ hasText: "Search filter:" }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "settings-directory-filter", "the summary's link goes to the field");

  await page.getByTestId("settings-directory-test").click();
  assert.equal(await page.getByTestId("directory-test-result").textContent(), "Fix the fields marked above before testing.");
  assert.deepEqual(await invocations(page, "test_directory"), [], "nothing invalid is tested");

  // Fixed: an upper-case pin with colons, a filter with {number}, StartTLS on ldap://.
  await page.getByTestId("settings-directory-url").fill("ldap://dc1.example.com:389");
  await page.getByTestId("settings-directory-starttls").check();
  await page.getByTestId("settings-directory-fingerprint").fill("CD:".repeat(31) + "CD");
  await page.getByTestId("settings-directory-filter").fill("(&(objectClass=person)(ipPhone={number}))");
  await page.getByTestId("settings-directory-attributes").fill("ipPhone, 2.5.4.20");
  await page.getByTestId("settings-address-book-url").fill("http://radicale.lan:5232/reception/");
  await page.getByTestId("settings-address-book-user").fill("reception");
  await page.getByTestId("settings-address-book-fingerprint").fill("");
  await page.getByTestId("settings-address-book-sync-minutes").fill("1440");
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
  const [saved] = await invocations(page, "save_settings");
  assert.equal(saved.settings.directory.fingerprint, "CD:".repeat(31) + "CD");
  assert.deepEqual(saved.settings.directory.attributes, ["ipPhone", "2.5.4.20"], "an attribute may be named by its OID");
  assert.equal(saved.settings.addressBook.syncMinutes, 1440);
  assert.equal(saved.settings.addressBook.fingerprint, null);
  for (const field of Object.keys(errors)) assert.equal(await page.getByTestId(`error-${field}`).textContent(), "");
  await assertClean(app);
  await app.context.close();
});

test("Sync now shows what changed and what was skipped; a failed sync says so in her words with the shell's detail", async () => {
  const app = await openApp(
    browser,
    server.url,
    "index.html",
    shell({ get_settings: SAVED_SETTINGS, sync_address_book: { ok: true, added: 3, updated: 1, removed: 2, skipped: 1, message: "" } }),
    VIEWPORT,
  );
  const { page } = app;
  await page.getByTestId("tab-settings").click();
  const result = page.getByTestId("address-book-sync-result");
  await page.getByTestId("settings-address-book-sync").click();
  await result.filter({ hasText: "synced" }).waitFor();
  assert.equal(
    await result.textContent(),
    "Address book synced: 3 contacts added, 1 changed, 2 removed. 1 contact card could not be read and was left out.",
  );
  assert.equal(await result.getAttribute("data-kind"), "ok");
  const synced = await invocations(page, "sync_address_book");
  assert.equal(synced.length, 1);
  assert.deepEqual(Object.keys(synced[0] ?? {}), [], "Sync now sends nothing: the shell syncs the saved address book");

  await answer(page, "sync_address_book", { ok: true, added: 1, updated: 0, removed: 0, skipped: 0, message: "" });
  await page.getByTestId("settings-address-book-sync").click();
  await result.filter({ hasText: "1 contact added" }).waitFor();
  assert.equal(await result.textContent(), "Address book synced: 1 contact added, 0 changed, 0 removed.");

  const detail = "https://cloud.example.com refused the user reception (401).";
  await answer(page, "sync_address_book", { ok: false, added: 0, updated: 0, removed: 0, skipped: 0, message: detail });
  await page.getByTestId("settings-address-book-sync").click();
  await result.filter({ hasText: detail }).waitFor();
  assert.equal(await result.textContent(), `The address book could not be synced. (${detail})`);
  assert.equal(await result.getAttribute("data-kind"), "error");

  await answer(page, "sync_address_book", { __error: { code: "invalid_setting", message: "Address book: no password is saved; type it in Settings." } });
  await page.getByTestId("settings-address-book-sync").click();
  await result.filter({ hasText: "no password is saved" }).waitFor();
  assert.equal(await result.getAttribute("data-kind"), "error");
  assert.equal(await page.getByTestId("settings-address-book-sync").isEnabled(), true, "the button is usable again after a sync");
  await assertClean(app);
  await app.context.close();
});

for (const [lang, locale] of [["de", "de-DE"], ["zh-CN", "zh-CN"]]) {
  test(`in ${lang}, both sections, a failed test, a sync and the errors fit the window, the step in ${lang} with the shell's detail`, async () => {
    const app = await openApp(
      browser,
      server.url,
      "index.html",
      shell({
        get_settings: SAVED_SETTINGS,
        test_directory: { ok: false, step: "tls", encrypted: true, message: "the certificate's SHA-256 fingerprint is 12:34:…" },
        sync_address_book: { ok: true, added: 5000, updated: 0, removed: 0, skipped: 2, message: "" },
      }),
      VIEWPORT,
      { locale },
    );
    const { page } = app;
    await page.getByTestId("tab-settings").click();
    assert.notEqual(await page.getByTestId("settings-directory-test").textContent(), "Test directory", "the button is translated");
    await page.getByTestId("settings-directory-test").click();
    const result = page.getByTestId("directory-test-result");
    await result.filter({ hasText: "12:34" }).waitFor();
    const want = lang === "de" ? /^Das Zertifikat des Servers passt nicht.*\(the certificate's SHA-256 fingerprint is 12:34:…\)$/ : /^服务器证书不匹配.*（the certificate's SHA-256 fingerprint is 12:34:…）$/;
    assert.match(await result.textContent(), want);
    await page.getByTestId("settings-address-book-sync").click();
    await page.getByTestId("address-book-sync-result").filter({ hasText: "5" }).waitFor();
    await page.getByTestId("settings-directory-filter").fill("(cn=*)");
    await page.getByTestId("settings-save").click();
    assert.match(await page.getByTestId("error-directoryFilter").textContent(), lang === "de" ? /^Suchfilter: / : /^搜索过滤器：/);
    assert.deepEqual(await overflowing(page), { page: false, elements: [] }, "the sections' labels, hints and results wrap inside the window");
    await screenshot(page, `i18n-settings-directory-${lang}`);
    await assertClean(app);
    await app.context.close();
  });
}

test("every command these tests invoked is granted to the main window by src-tauri's capability", async () => {
  const invoked = commandsInvoked("main");
  for (const c of ["set_directory_password", "test_directory", "set_address_book_password", "sync_address_book", "save_settings"]) {
    assert.ok(invoked.includes(c), `the tests above invoked ${c}`);
  }
  const granted = await commandsGranted("main");
  const refused = invoked.filter((c) => !granted.includes(c));
  assert.deepEqual(refused, [], "a command missing from the capability would be refused in the real app");
});
