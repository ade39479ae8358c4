// The call-card payloads of `ringside://card` and `list_live_calls`. These are
// `ringside_calls::CardChange` and `CallCard`, sent as the CLI's snake_case
// JSON; ts-rs does not generate them (ringside-calls has no TS derive), so
// they are mirrored here from crates/calls/src/tracker.rs and record.rs.
// Every other IPC type comes generated from src-tauri in ./bindings/.

import type { Direction } from "./bindings/Direction";

/** `ringside://card`: the tracker's change, in the CLI's snake_case JSON (crates/calls tracker.rs). */
export type CardChange = CardPopup | CardUpdate | CardClose | CardCallEnd;

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

