// Checks the UI does before it invokes anything. The shell validates again
// (it is the real gate); these exist so a mistake gets a message next to the
// field that caused it, and a smuggled dial string never leaves the page.

import type { PbxProfile } from "./bindings/PbxProfile";
import type { Settings } from "./bindings/Settings";
import { t } from "./i18n";

export type DialCheck = { ok: true; number: string } | { ok: false; message: string };

const MAX_DIAL_DIGITS = 32;

function describeChar(ch: string): string {
  if (ch === "\r" || ch === "\n") return t("char.lineBreak");
  if (ch === "\t") return t("char.tab");
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return t("char.control");
  return t("char.quoted", { ch });
}

/**
 * Turns what the user typed into a dialable number, as the shell's
 * `clean_dial_input` does: spaces, dashes, dots, slashes and parentheses are
 * dropped; what remains may hold only digits, * and #, and one
 * leading +. Line breaks are refused, not stripped, so "1002\r\nAction: ..."
 * can never become a number.
 */
export function checkDialNumber(input: string): DialCheck {
  const number = input.trim().replace(/[ .()\/\u00a0-]/g, "");
  if (number === "") return { ok: false, message: t("dial.typeNumber") };
  for (const [i, ch] of Array.from(number).entries()) {
    const allowed = /[0-9*#]/.test(ch) || (ch === "+" && i === 0);
    if (!allowed) {
      const what = ch === "+" ? t("dial.plusOnlyAtStart") : t("dial.charNotAllowed", { what: describeChar(ch) });
      return {
        ok: false,
        message: t("dial.cannotCall", { what }),
      };
    }
  }
  if (number === "+") return { ok: false, message: t("dial.numberAfterPlus") };
  if (number.length > MAX_DIAL_DIGITS) {
    return { ok: false, message: t("dial.tooLong", { max: MAX_DIAL_DIGITS }) };
  }
  return { ok: true, number };
}

/** True when the text looks like a number rather than a name to search for. */
export function looksLikeNumber(input: string): boolean {
  return /^[\s0-9*#+().\-]+$/.test(input);
}

export interface ProfileInfo {
  id: PbxProfile;
  label: string;
  /** Plain AMI port. */
  port: number;
  /** AMI-over-TLS port, where the vendor documents one. */
  tlsPort: number | null;
}

/**
 * The seed vendors and their default AMI ports, as in crates/calls/src/profile.rs
 * (Grandstream UCM: 7777, TLS on 5039).
 */
export const PROFILES: ProfileInfo[] = [
  { id: "yeastarS", label: "Yeastar S-Series", port: 5038, tlsPort: null },
  { id: "yeastarMyPbx", label: "Yeastar MyPBX", port: 5038, tlsPort: null },
  { id: "grandstreamUcm", label: "Grandstream UCM", port: 7777, tlsPort: 5039 },
  { id: "freePbx", label: "FreePBX / Elastix", port: 5038, tlsPort: null },
  { id: "openVox", label: "OpenVox", port: 5038, tlsPort: null },
  { id: "genericAsterisk", label: t("settings.genericAsterisk"), port: 5038, tlsPort: null },
];

/** The port a profile uses by default, with or without TLS. */
export function defaultPort(profile: ProfileInfo, tls: boolean): number {
  return tls && profile.tlsPort !== null ? profile.tlsPort : profile.port;
}

/**
 * A field of the form: a Settings key, or one field of its company directory
 * or address book (each named after the key it edits there).
 */
export type SettingsField =
  | keyof Settings
  | "directoryUrl"
  | "directoryFingerprint"
  | "directoryBindDn"
  | "directoryFilter"
  | "directoryAttributes"
  | "addressBookUrl"
  | "addressBookUser"
  | "addressBookFingerprint"
  | "addressBookSyncMinutes"
  | "officeBroker"
  | "officeUser"
  | "officeFingerprint";

export interface FieldError {
  field: SettingsField;
  message: string;
}

/** Splits "1001, 1002 1003" into ["1001", "1002", "1003"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^\[?[0-9A-Fa-f:.]+\]?$/;
const EXT_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** A SHA-256 fingerprint: 64 hex digits, optionally in colon-separated pairs. */
export function normalizeFingerprint(text: string): string | null {
  const t = text.trim();
  if (/^[0-9A-Fa-f]{64}$/.test(t)) return t.toUpperCase().match(/../g)!.join(":");
  if (/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}$/.test(t)) return t.toUpperCase();
  return null;
}

/**
 * How the desk connects: to the PBX directly (its own AMI login), or
 * through the office gateway. The shell has no separate switch for it: a
 * saved broker is office mode (src-tauri's office::enabled).
 */
export type Connection = "direct" | "office";

/** The connection saved settings ask for: the office gateway when a broker is set. */
export function connectionOf(s: Partial<Pick<Settings, "office">>): Connection {
  return (s.office?.broker ?? "").trim() !== "" ? "office" : "direct";
}

/**
 * Every problem in the form, each naming its field the way the form labels
 * it. Through the office gateway the PBX login (host, port, pin, AMI user)
 * is not used and its fields are disabled, so it is not checked: a desk
 * with only the office gateway set up must be able to save.
 */
export function validateSettings(s: Settings, via: Connection = connectionOf(s)): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: SettingsField, message: string) => errors.push({ field, message });

  if (via === "direct") for (const e of validatePbxLogin(s)) add(e.field, e.message);

  if (s.extensions.length === 0) add("extensions", t("settings.err.extensionsEmpty"));
  else {
    const bad = s.extensions.find((e) => !EXT_RE.test(e));
    if (bad !== undefined) add("extensions", t("settings.err.extensionBad", { value: bad }));
  }
  const badGroup = s.watchedGroups.find((e) => !EXT_RE.test(e));
  if (badGroup !== undefined)
    add("watchedGroups", t("settings.err.groupBad", { value: badGroup }));

  if (s.countryCode !== "" && !/^\+?[0-9]{1,3}$/.test(s.countryCode))
    add("countryCode", t("settings.err.countryCode"));
  if (s.trunkPrefix !== "" && !/^[0-9]{1,4}$/.test(s.trunkPrefix))
    add("trunkPrefix", t("settings.err.trunkPrefix"));

  const crm = s.crmUrlTemplate.trim();
  if (crm !== "") {
    // Same rule as src-tauri's settings::check_crm_template: an http(s) address
    // with a host, no whitespace or control characters (so never javascript:,
    // file:, data: or a scheme-less path).
    if (!/^https?:\/\/[^\s\u0000-\u001f\u007f/?#][^\s\u0000-\u001f\u007f]*$/i.test(crm))
      add("crmUrlTemplate", t("settings.err.crmUrl"));
    else if (!crm.includes("{number}")) add("crmUrlTemplate", t("settings.err.crmPlaceholder"));
  }

  const api = (s.elastixUrl ?? "").trim();
  if (api !== "" && (!/^https:\/\/[^\s/]+/i.test(api) || /[\s\u0000-\u001f]/.test(api)))
    add("elastixUrl", t("settings.err.elastixUrl"));
  if (s.elastixFingerprint && normalizeFingerprint(s.elastixFingerprint) === null)
    add("elastixFingerprint", t("settings.err.elastixFingerprint"));
  if (!Number.isInteger(s.gsmSpan) || s.gsmSpan < 1 || s.gsmSpan > 255)
    add("gsmSpan", t("settings.err.gsmSpan"));
  if (!Number.isInteger(s.popupDurationSecs) || s.popupDurationSecs < 0 || s.popupDurationSecs > 3600)
    add("popupDurationSecs", t("settings.err.popupDuration"));

  for (const e of validateConsoleSettings(s)) add(e.field, e.message);
  for (const e of validateDirectorySettings(s)) add(e.field, e.message);
  for (const e of validateOfficeSettings(s, via)) add(e.field, e.message);
  return errors;
}

/** The PBX login: what connecting to the PBX directly needs. */
function validatePbxLogin(s: Pick<Settings, "host" | "port" | "tls" | "pinnedFingerprint" | "amiUser">): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: SettingsField, message: string) => errors.push({ field, message });
  const host = s.host.trim();
  if (host === "") add("host", t("settings.err.hostEmpty"));
  else if (!(HOST_RE.test(host) || (host.includes(":") && IPV6_RE.test(host))))
    add("host", t("settings.err.hostChars"));

  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)
    add("port", t("settings.err.port"));

  if (s.tls && s.pinnedFingerprint && s.pinnedFingerprint.trim() !== "" && normalizeFingerprint(s.pinnedFingerprint) === null)
    add("pinnedFingerprint", t("settings.err.pin"));

  if (s.amiUser.trim() === "") add("amiUser", t("settings.err.amiUserEmpty"));
  else if (/[\s\u0000-\u001f\u007f]/.test(s.amiUser)) add("amiUser", t("settings.err.amiUserChars"));
  return errors;
}

/** A broker on this computer, where a password may travel without TLS (the shell's BrokerUrl::is_loopback). */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)(?::\d+)?$/i;

/**
 * "Connect through the office gateway", with the shell's rules (src-tauri's
 * office::validate, the gateway crate's BrokerUrl): an empty broker is off,
 * so choosing the office gateway needs one; it is mqtts://, or mqtt:// to
 * this computer only, with a desk user without the broker's topic
 * characters. A pin is checked even when off.
 */
export function validateOfficeSettings(s: Partial<Pick<Settings, "office">>, via: Connection = connectionOf(s)): FieldError[] {
  const errors: FieldError[] = [];
  const o = s.office;
  if (!o) return errors;
  const broker = o.broker.trim();
  if (via === "office" || broker !== "") {
    const m = /^(mqtts?):\/\/([^\s/?#@]+)\/?$/i.exec(broker);
    if (m === null || BLANK_OR_CONTROL.test(broker) || broker.length > 500) errors.push({ field: "officeBroker", message: t("settings.err.officeBroker") });
    else if (m[1].toLowerCase() === "mqtt" && !LOOPBACK_HOST.test(m[2])) errors.push({ field: "officeBroker", message: t("settings.err.officeBrokerClear") });
    const user = o.user.trim();
    if (user === "" || user.length > 128 || /[/+#\u0000-\u001f\u007f]/.test(user)) errors.push({ field: "officeUser", message: t("settings.err.officeUser") });
  }
  if (o.fingerprint !== null && o.fingerprint.trim() !== "" && normalizeFingerprint(o.fingerprint) === null)
    errors.push({ field: "officeFingerprint", message: t("settings.err.officeFingerprint") });
  return errors;
}

/** Whitespace or a control character: never part of an address. */
const BLANK_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;
/** An LDAP attribute's name (`telephoneNumber`, `ipPhone`) or its OID. */
const ATTRIBUTE_RE = /^(?:[A-Za-z][A-Za-z0-9-]{0,63}|[0-9]+(?:\.[0-9]+)+)$/;
/** How often the address book syncs, as the shell allows (issue 19). */
export const SYNC_MIN_MINUTES = 5;
export const SYNC_MAX_MINUTES = 1440;

/**
 * The company directory's and the address book's fields, with the shell's
 * rules (src-tauri's directory::validate and address_book::validate). A pin
 * is checked even when the address is empty, as the shell does.
 */
export function validateDirectorySettings(s: Pick<Settings, "directory" | "addressBook">): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: SettingsField, message: string) => errors.push({ field, message });
  const d = s.directory;
  const url = d.url.trim();
  if (url !== "" && (!/^ldaps?:\/\/[^\s/?#]/i.test(url) || BLANK_OR_CONTROL.test(url) || url.length > 500))
    add("directoryUrl", t("settings.err.directoryUrl"));
  if (d.fingerprint !== null && d.fingerprint.trim() !== "" && normalizeFingerprint(d.fingerprint) === null)
    add("directoryFingerprint", t("settings.err.directoryFingerprint"));
  if (/[\u0000-\u001f\u007f]/.test(d.bindDn)) add("directoryBindDn", t("settings.err.directoryBindDn"));
  const filter = d.filter.trim();
  if (filter !== "" && !filter.includes("{number}")) add("directoryFilter", t("settings.err.directoryFilter"));
  const badAttribute = d.attributes.find((a) => !ATTRIBUTE_RE.test(a));
  if (badAttribute !== undefined) {
    const hidden = HIDDEN_CHAR.test(badAttribute);
    const what = hidden ? t("settings.err.queueInvisible") : t("settings.err.attributeBad", { value: badAttribute });
    add("directoryAttributes", t("settings.err.directoryAttributes", { what }));
  }

  const a = s.addressBook;
  const bookUrl = a.url.trim();
  if (bookUrl !== "") {
    if (!/^https?:\/\/[^\s/?#]/i.test(bookUrl) || BLANK_OR_CONTROL.test(bookUrl) || bookUrl.length > 500)
      add("addressBookUrl", t("settings.err.addressBookUrl"));
    if (a.user.trim() === "") add("addressBookUser", t("settings.err.addressBookUserEmpty"));
  }
  if (/[\u0000-\u001f\u007f]/.test(a.user)) add("addressBookUser", t("settings.err.addressBookUserChars"));
  if (a.fingerprint !== null && a.fingerprint.trim() !== "" && normalizeFingerprint(a.fingerprint) === null)
    add("addressBookFingerprint", t("settings.err.addressBookFingerprint"));
  const m = a.syncMinutes;
  if (!Number.isInteger(m) || m < SYNC_MIN_MINUTES || m > SYNC_MAX_MINUTES)
    add("addressBookSyncMinutes", t("settings.err.syncMinutes", { min: SYNC_MIN_MINUTES, max: SYNC_MAX_MINUTES }));
  return errors;
}

/**
 * An invisible or direction-changing character: a value holding one is not
 * quoted back in a message, since a right-to-left override would turn the
 * rest of the sentence around.
 */
const HIDDEN_CHAR = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** The attendant console's own limits: the same as the shell's (issue 16). */
export const RECALL_MIN_SECS = 5;
export const RECALL_MAX_SECS = 600;
const QUEUE_RE = /^[A-Za-z0-9_.-]{1,80}$/;

/** The two console fields: the recall delay and the queues to show. */
export function validateConsoleSettings(s: Pick<Settings, "recallAfterSecs" | "watchedQueues">): FieldError[] {
  const errors: FieldError[] = [];
  const r = s.recallAfterSecs;
  if (!Number.isInteger(r) || (r !== 0 && (r < RECALL_MIN_SECS || r > RECALL_MAX_SECS)))
    errors.push({
      field: "recallAfterSecs",
      message: t("settings.err.recall", { min: RECALL_MIN_SECS, max: RECALL_MAX_SECS }),
    });
  const badQueue = s.watchedQueues.find((q) => !QUEUE_RE.test(q));
  if (badQueue !== undefined) {
    const hidden = HIDDEN_CHAR.test(badQueue);
    const what = hidden ? t("settings.err.queueInvisible") : t("settings.err.queueBad", { value: badQueue ?? "" });
    errors.push({
      field: "watchedQueues",
      message: t("settings.err.queues", { what }),
    });
  }
  return errors;
}
