// Checks the UI does before it invokes anything. The shell validates again
// (it is the real gate); these exist so a mistake gets a message next to the
// field that caused it, and a smuggled dial string never leaves the page.

import type { PbxProfile } from "./bindings/PbxProfile";
import type { Settings } from "./bindings/Settings";

export type DialCheck = { ok: true; number: string } | { ok: false; message: string };

const MAX_DIAL_DIGITS = 32;

function describeChar(ch: string): string {
  if (ch === "\r" || ch === "\n") return "a line break";
  if (ch === "\t") return "a tab";
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return "an invisible control character";
  return `"${ch}"`;
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
  if (number === "") return { ok: false, message: "Type a number to call." };
  for (const [i, ch] of Array.from(number).entries()) {
    const allowed = /[0-9*#]/.test(ch) || (ch === "+" && i === 0);
    if (!allowed) {
      const what = ch === "+" ? "A + is only allowed at the start" : `${describeChar(ch)} is not allowed in a phone number`;
      return {
        ok: false,
        message: `Cannot call this: ${what}. Use digits, * and #, with an optional + at the start.`,
      };
    }
  }
  if (number === "+") return { ok: false, message: "Type a number after the +." };
  if (number.length > MAX_DIAL_DIGITS) {
    return { ok: false, message: `Cannot call this: a number has at most ${MAX_DIAL_DIGITS} digits.` };
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
  { id: "genericAsterisk", label: "Generic Asterisk", port: 5038, tlsPort: null },
];

/** The port a profile uses by default, with or without TLS. */
export function defaultPort(profile: ProfileInfo, tls: boolean): number {
  return tls && profile.tlsPort !== null ? profile.tlsPort : profile.port;
}

export type SettingsField = keyof Settings;

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

/** Every problem in the form, each naming its field the way the form labels it. */
export function validateSettings(s: Settings): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: SettingsField, message: string) => errors.push({ field, message });

  const host = s.host.trim();
  if (host === "") add("host", "Host: enter the PBX address, for example pbx.local or 192.168.1.10.");
  else if (!(HOST_RE.test(host) || (host.includes(":") && IPV6_RE.test(host))))
    add("host", "Host: use only letters, digits, dots and dashes (no http://, spaces or slashes).");

  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)
    add("port", "Port: must be a whole number from 1 to 65535.");

  if (s.tls && s.pinnedFingerprint && s.pinnedFingerprint.trim() !== "" && normalizeFingerprint(s.pinnedFingerprint) === null)
    add(
      "pinnedFingerprint",
      "Pinned certificate: a SHA-256 fingerprint is 64 hexadecimal digits, optionally in pairs separated by colons.",
    );

  if (s.amiUser.trim() === "") add("amiUser", "AMI user: enter the user name from the PBX's AMI settings.");
  else if (/[\s\u0000-\u001f\u007f]/.test(s.amiUser)) add("amiUser", "AMI user: must not contain spaces or line breaks.");

  if (s.extensions.length === 0) add("extensions", "My extensions: enter at least one extension, like 1001.");
  else {
    const bad = s.extensions.find((e) => !EXT_RE.test(e));
    if (bad !== undefined) add("extensions", `My extensions: "${bad}" is not an extension (letters, digits, - and _ only).`);
  }
  const badGroup = s.watchedGroups.find((e) => !EXT_RE.test(e));
  if (badGroup !== undefined)
    add("watchedGroups", `Ring groups and queues: "${badGroup}" is not a group or queue number.`);

  if (s.countryCode !== "" && !/^\+?[0-9]{1,3}$/.test(s.countryCode))
    add("countryCode", "Country code: 1 to 3 digits, like 44 or 1.");
  if (s.trunkPrefix !== "" && !/^[0-9]{1,4}$/.test(s.trunkPrefix))
    add("trunkPrefix", "Trunk prefix: up to 4 digits, like 0 or 9.");

  const crm = s.crmUrlTemplate.trim();
  if (crm !== "") {
    // Same rule as src-tauri's settings::check_crm_template: an http(s) address
    // with a host, no whitespace or control characters (so never javascript:,
    // file:, data: or a scheme-less path).
    if (!/^https?:\/\/[^\s\u0000-\u001f\u007f/?#][^\s\u0000-\u001f\u007f]*$/i.test(crm))
      add("crmUrlTemplate", "CRM link: must start with http:// or https:// and a host name, and contain no spaces.");
    else if (!crm.includes("{number}")) add("crmUrlTemplate", "CRM link: put {number} where the caller's number goes.");
  }

  const api = (s.elastixUrl ?? "").trim();
  if (api !== "" && (!/^https:\/\/[^\s/]+/i.test(api) || /[\s\u0000-\u001f]/.test(api)))
    add("elastixUrl", "Elastix API: use the https:// address of the PBX's API, such as https://pbx.local/api/api.php.");
  if (s.elastixFingerprint && normalizeFingerprint(s.elastixFingerprint) === null)
    add("elastixFingerprint", "API certificate: paste the SHA-256 fingerprint, 64 hexadecimal digits (colons allowed).");
  if (!Number.isInteger(s.gsmSpan) || s.gsmSpan < 1 || s.gsmSpan > 255)
    add("gsmSpan", "GSM span: the gateway's GSM port that sends texts, a whole number such as 1.");
  if (!Number.isInteger(s.popupDurationSecs) || s.popupDurationSecs < 0 || s.popupDurationSecs > 3600)
    add("popupDurationSecs", "Popup duration: a whole number of seconds from 0 (stay until dismissed) to 3600.");

  for (const e of validateConsoleSettings(s)) add(e.field, e.message);
  return errors;
}

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
      message: `Bring a transferred caller back: a whole number of seconds from ${RECALL_MIN_SECS} to ${RECALL_MAX_SECS}, or 0 to never bring them back.`,
    });
  const badQueue = s.watchedQueues.find((q) => !QUEUE_RE.test(q));
  if (badQueue !== undefined) {
    // A name with an invisible or direction-changing character is not quoted:
    // a right-to-left override would turn the rest of the sentence around.
    const hidden = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(badQueue);
    const what = hidden ? "one name holds an invisible character; type the names again" : `"${badQueue}" is not a queue name`;
    errors.push({
      field: "watchedQueues",
      message: `Queues to show: ${what} (letters, digits, dots, - and _ only). Separate queues with commas.`,
    });
  }
  return errors;
}
