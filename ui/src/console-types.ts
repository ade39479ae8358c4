// The attendant console's IPC contract (issue 16), written by hand: its
// payload types, command table and event names, and a typed
// `consoleCommand()` / `onConsoleEvent()` over the same `invoke` / `listen`
// as src/ipc.ts.
//
// Temporary by design. Once the shell lands, ts-rs generates these types
// into src/bindings/ and ipc_table.in adds the commands and events to the
// generated IpcTable.ts; then each importer switches to `command()` /
// `onEvent()` / `EVENTS` from ./ipc and the types from ./bindings/, and
// this file is deleted. Every shape below is the contract's exactly (serde
// JSON, snake_case fields, Option<T> as `T | null`), so that swap changes
// imports only. Nothing else in the UI may declare these shapes.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Settings } from "./bindings/Settings";

// ---------- payloads ----------

/** A call waiting in a parking space. */
export type ParkedCall = {
  call: string;
  slot: string;
  lot: string | null;
  caller_num: string;
  caller_name: string | null;
  parked_by: string | null;
  /** Since when it waits, Unix ms. */
  since_ms: number;
  channel: string | null;
};

/** A caller waiting in a queue. */
export type QueueCaller = {
  call: string;
  uniqueid: string;
  channel: string | null;
  /** 1 is next. */
  position: number;
  caller_num: string;
  caller_name: string | null;
  /** Since when it waits, Unix ms. */
  joined_ms: number;
};

/** A queue member's device state (`QueueMemberStatus`'s `Status`). */
export type MemberState =
  | "unknown"
  | "not_in_use"
  | "in_use"
  | "busy"
  | "invalid"
  | "unavailable"
  | "ringing"
  | "ring_in_use"
  | "on_hold";

/** A queue member (an agent). `interface` is its key (`PJSIP/1003`). */
export type QueueMember = {
  interface: string;
  name: string | null;
  extension: string | null;
  state: MemberState;
  paused: boolean;
  paused_reason: string | null;
  in_call: boolean;
  calls_taken: number;
};

export type QueueSummary = { logged_in: number; available: number; callers: number; longest_hold_s: number };

export type Queue = { name: string; callers: QueueCaller[]; members: QueueMember[]; summary: QueueSummary | null };

/** A colleague's voicemail box. */
export type Mailbox = { extension: string; new: number; old: number; updated_ms: number };

/**
 * What the recall (a blind transfer that comes back) decided: `from` is the
 * transfer's target, `to` her extension. Only `recall` is a popup.
 */
export type RecallOutput =
  | { type: "redirect"; call: string; from: string; to: string }
  | { type: "recall"; call: string; from: string; to: string }
  | { type: "answered"; call: string; from: string; by: string }
  | { type: "gave_up"; call: string; from: string; to: string };

export type ConsoleAction = "pickup" | "park" | "retrieve" | "queue_pause" | "queue_member" | "voicemail";

/** Whether an action may be offered; `why` (when not) is a sentence for the receptionist. */
export type Offer = { action: ConsoleAction; allowed: boolean; why: string | null };

export type ConsoleState = { parked: ParkedCall[]; queues: Queue[]; voicemail: Mailbox[]; offers: Offer[] };

/** The Settings the shell will send once it has the console's two fields. */
export type ConsoleSettings = Settings & {
  /** 0 = never bring a transferred caller back; 5..600 otherwise. */
  recallAfterSecs: number;
  /** Queues shown in the Queues panel; empty = all. */
  watchedQueues: string[];
};

/** The shell's default for a file saved before the console existed. */
export const DEFAULT_RECALL_AFTER_SECS = 20;

/**
 * The settings as the console reads them: a shell without the two fields
 * yet (or a file saved before them) gets the defaults.
 */
export function consoleSettings(s: Settings): ConsoleSettings {
  const more = s as Partial<ConsoleSettings>;
  return {
    ...s,
    recallAfterSecs: typeof more.recallAfterSecs === "number" ? more.recallAfterSecs : DEFAULT_RECALL_AFTER_SECS,
    watchedQueues: Array.isArray(more.watchedQueues) ? more.watchedQueues : [],
  };
}

// ---------- commands and events ----------

/** Arguments (camelCase, as Tauri converts them) and result of each command. */
export interface ConsoleCommands {
  get_console: [undefined, ConsoleState];
  pickup: [{ extension: string }, null];
  park: [{ call: string }, null];
  retrieve: [{ slot: string; lot: string | null }, null];
  queue_pause: [{ queue: string | null; member: string; paused: boolean; reason: string | null }, null];
  queue_member: [{ queue: string; member: string; loggedIn: boolean }, null];
  send_to_voicemail: [{ call: string; extension: string }, null];
}

export const CONSOLE_EVENTS = {
  parked: "ringside://parked",
  queues: "ringside://queues",
  voicemail: "ringside://voicemail",
  recall: "ringside://recall",
  console: "ringside://console",
} as const;

export interface ConsoleEventPayloads {
  /** Snapshot, coalesced. */
  [CONSOLE_EVENTS.parked]: ParkedCall[];
  /** Snapshot of the watched queues, coalesced. */
  [CONSOLE_EVENTS.queues]: Queue[];
  [CONSOLE_EVENTS.voicemail]: Mailbox[];
  [CONSOLE_EVENTS.recall]: RecallOutput;
  /** What may be offered changed (after a reconnect, say). */
  [CONSOLE_EVENTS.console]: Offer[];
}

export type ConsoleCommandName = keyof ConsoleCommands;

/** `command()` of src/ipc.ts for the console's commands; errors reject with an IpcError. */
export function consoleCommand<C extends ConsoleCommandName>(
  name: C,
  ...args: ConsoleCommands[C][0] extends undefined ? [] : [ConsoleCommands[C][0]]
): Promise<ConsoleCommands[C][1]> {
  return invoke<ConsoleCommands[C][1]>(name, args[0] as Record<string, unknown> | undefined);
}

/** `onEvent()` of src/ipc.ts for the console's events. */
export function onConsoleEvent<E extends keyof ConsoleEventPayloads>(
  name: E,
  handler: (payload: ConsoleEventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<ConsoleEventPayloads[E]>(name, (event) => handler(event.payload));
}
