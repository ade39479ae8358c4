// Interim mirror of docs/ipc-contract.md, written by hand only until
// src-tauri generates these types with ts-rs into src/bindings/. When the
// bindings land, this file is deleted and imports point at them instead, so
// the contract is never typed twice.

/** `ringside://card`: the tracker's change, in the CLI's snake_case JSON (crates/calls tracker.rs). */
export type CardChange = CardPopup | CardUpdate | CardClose | CardCallEnd;

export type Direction = "inbound" | "internal" | "outbound";

export interface CardPopup {
  type: "popup";
  call: string;
  extension: string;
  caller_num: string;
  caller_name: string | null;
  direction: Direction;
  trunk: string | null;
  did: string | null;
  queue: string | null;
  /** The extension that transferred the call here. */
  transferred_by: string | null;
  at_ms: number;
}

export interface CardUpdate {
  type: "update";
  call: string;
  /** The whole card after the change. */
  card: CallCard;
  at_ms: number;
}

export type CloseReason = "answered" | "answered_elsewhere" | "missed" | "ended" | "transferred";

export interface CardClose {
  type: "close";
  call: string;
  extension: string;
  reason: CloseReason;
  answered_by: string | null;
  at_ms: number;
}

export interface CardCallEnd {
  type: "call_end";
  call: string;
  answered_by: string | null;
  missed: boolean;
  answered_elsewhere_for: string[];
  ended_offline: boolean;
}

export type CallState = "dialing" | "ringing" | "answered" | "ended";
export type TransferKind = "blind" | "attended";

export interface Transfer {
  by: string | null;
  to: string;
  kind: TransferKind;
  at_ms: number;
}

/** One live call: in `update` changes and from `list_live_calls`. */
export interface CallCard {
  call: string;
  caller_num: string;
  caller_name: string | null;
  direction: Direction | null;
  trunk: string | null;
  did: string | null;
  queue: string | null;
  dialed: string | null;
  from_extension: string | null;
  ringing: string[];
  rang: string[];
  state: CallState;
  answered_by: string | null;
  answered_by_trunk: string | null;
  answered_at_ms: number | null;
  transfers: Transfer[];
  started_at_ms: number;
}

export type Outcome = "answered" | "missed" | "answered_elsewhere" | "abandoned" | "voicemail" | "unanswered";

export interface Note {
  id: number;
  callId?: string | null;
  number?: string | null;
  text: string;
  createdAtMs: number;
}

export interface Contact {
  id: number;
  name: string;
  company?: string | null;
  numbers: string[];
  email?: string | null;
}

export interface CallRow {
  callId: string;
  direction: Direction;
  remoteNum: string;
  remoteName?: string | null;
  contactName?: string | null;
  answeredBy?: string | null;
  outcome: Outcome;
  startedAtMs: number;
  talkSeconds?: number | null;
  calledBack?: boolean;
  notes: Note[];
}

export interface CallerContext {
  contact?: Contact | null;
  recentCalls: CallRow[];
  callsToday: number;
}

/** `ringside://caller-context` */
export interface CallerContextEvent {
  call: string;
  callerContext: CallerContext;
}

export type ConnectionState = "connecting" | "connected" | "authFailed" | "unreachable" | "disconnected";

/** `ringside://connection` */
export interface ConnectionStatus {
  state: ConnectionState;
  message: string;
  version?: string | null;
}

export type PresenceState =
  | "idle"
  | "ringing"
  | "inUse"
  | "busy"
  | "onHold"
  | "unavailable"
  | "notFound"
  | "inUseRinging";

/** One entry of `ringside://presence` and `get_presence`. */
export interface Colleague {
  extension: string;
  name: string;
  state: PresenceState;
  talkingTo?: string | null;
}

export interface Status {
  connection: ConnectionStatus;
  demo: boolean;
  extensions: string[];
}

export type DialSource = "hotkey" | "link" | "tray";

/** `ringside://confirm-dial`: a dial from outside the app that the user must confirm. */
export interface ConfirmDial {
  number: string;
  source: DialSource;
}

export interface HistoryQuery {
  text?: string;
  outcome?: Outcome;
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

export interface ImportReport {
  imported: number;
  skipped: { line: number; reason: string }[];
}

export type PbxProfile = "yeastarS" | "yeastarMyPbx" | "grandstreamUcm" | "freePbx" | "openVox" | "genericAsterisk";

export type PopupPosition = "topLeft" | "topRight" | "bottomLeft" | "bottomRight";

export interface Settings {
  profile: PbxProfile;
  host: string;
  port: number;
  tls: boolean;
  pinnedFingerprint?: string | null;
  amiUser: string;
  hasSecret: boolean;
  extensions: string[];
  watchedGroups: string[];
  countryCode: string;
  trunkPrefix: string;
  crmUrlTemplate: string;
  popupPosition: PopupPosition;
  popupDurationSecs: number;
  notifications: boolean;
  startWithOs: boolean;
}

export interface TestStep {
  name: string;
  ok: boolean;
  message: string;
}

export interface TestReport {
  steps: TestStep[];
}

/** Every command's error: a stable code and a sentence a receptionist can act on. */
export interface IpcError {
  code: string;
  message: string;
}
