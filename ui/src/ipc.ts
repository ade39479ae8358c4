// The one place the UI talks to the Rust shell: event names and a typed
// `command()` over `invoke`, both following docs/ipc-contract.md. Pages import
// from here, never from @tauri-apps/api directly, so a renamed command or
// payload is a type error in one file.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { CallCard } from "./bindings/CallCard";
import type { CardChange } from "./bindings/CardChange";
import type { CallerContext } from "./bindings/CallerContext";
import type { CallerContextEvent } from "./bindings/CallerContextEvent";
import type { CallRow } from "./bindings/CallRow";
import type { Colleague } from "./bindings/Colleague";
import type { ConfirmDial } from "./bindings/ConfirmDial";
import type { ConnectionStatus } from "./bindings/ConnectionStatus";
import type { Contact } from "./bindings/Contact";
import type { HistoryChanged } from "./bindings/HistoryChanged";
import type { HistoryQuery } from "./bindings/HistoryQuery";
import type { ImportReport } from "./bindings/ImportReport";
import type { IpcError } from "./bindings/IpcError";
import type { Note } from "./bindings/Note";
import type { Settings } from "./bindings/Settings";
import type { IncomingSmsEvent } from "./bindings/IncomingSmsEvent";
import type { ApiTestResult } from "./bindings/ApiTestResult";
import type { CdrImportSummary } from "./bindings/CdrImportSummary";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { PbxChannel } from "./bindings/PbxChannel";
import type { SmsRow } from "./bindings/SmsRow";
import type { Status } from "./bindings/Status";
import type { TestReport } from "./bindings/TestReport";

/** Event names, as the constants in src-tauri/src/ipc.rs. */
export const EVENTS = {
  card: "ringside://card",
  liveCalls: "ringside://live-calls",
  callerContext: "ringside://caller-context",
  connection: "ringside://connection",
  presence: "ringside://presence",
  historyChanged: "ringside://history-changed",
  confirmDial: "ringside://confirm-dial",
  focusDialer: "ringside://focus-dialer",
  sms: "ringside://sms",
  cdrImport: "ringside://cdr-import",
} as const;

interface EventPayloads {
  [EVENTS.card]: CardChange;
  [EVENTS.liveCalls]: CallCard[];
  [EVENTS.callerContext]: CallerContextEvent;
  [EVENTS.connection]: ConnectionStatus;
  [EVENTS.presence]: Colleague[];
  [EVENTS.historyChanged]: HistoryChanged;
  [EVENTS.confirmDial]: ConfirmDial;
  [EVENTS.focusDialer]: HistoryChanged;
  [EVENTS.sms]: IncomingSmsEvent;
  [EVENTS.cdrImport]: ImportProgress;
}

/** Arguments and return type of every command. */
interface Commands {
  get_status: [undefined, Status];
  get_presence: [undefined, Colleague[]];
  list_live_calls: [undefined, CallCard[]];
  dial: [{ number: string }, null];
  transfer: [{ call: string; target: string; attended: boolean }, null];
  hangup: [{ call: string }, null];
  add_note: [{ callId?: string; number?: string; text: string }, Note];
  lookup_caller: [{ number: string }, CallerContext];
  search_history: [{ query: HistoryQuery }, CallRow[]];
  list_missed: [undefined, CallRow[]];
  mark_called_back: [{ callId: string }, null];
  search_contacts: [{ text: string }, Contact[]];
  import_contacts: [{ fileName: string; content: string }, ImportReport];
  export_contacts: [undefined, string];
  get_settings: [undefined, Settings];
  save_settings: [{ settings: Settings }, null];
  set_secret: [{ secret: string }, null];
  test_connection: [{ settings: Settings }, TestReport];
  open_crm: [{ number: string }, null];
  dismiss_popup: [{ call: string }, null];
  send_sms: [{ number: string; text: string; span?: number }, SmsRow];
  sms_thread: [{ number: string }, SmsRow[]];
  search_sms: [{ text: string }, SmsRow[]];
  set_api_token: [{ token: string }, null];
  test_api_connection: [{ settings: Settings }, ApiTestResult];
  import_cdr: [undefined, CdrImportSummary];
  list_pbx_calls: [undefined, PbxChannel[]];
  play_recording: [{ callId: string }, null];
}

export type CommandName = keyof Commands;

export function command<C extends CommandName>(
  name: C,
  ...args: Commands[C][0] extends undefined ? [] : [Commands[C][0]]
): Promise<Commands[C][1]> {
  return invoke<Commands[C][1]>(name, args[0] as Record<string, unknown> | undefined);
}

export function onEvent<E extends keyof EventPayloads>(
  name: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(name, (event) => handler(event.payload));
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && typeof (e as IpcError).message === "string";
}

/** A sentence to show for a failed command: the shell's message when it sent one. */
export function errorText(e: unknown): string {
  if (isIpcError(e) && e.message.trim() !== "") return e.message;
  if (typeof e === "string" && e.trim() !== "") return e;
  return "Ringside could not reach its background service. Restart the app if this keeps happening.";
}
