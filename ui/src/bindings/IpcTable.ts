// Generated from src-tauri/src/ipc_table.in by ipc_table.rs's test
// (cargo test -p ringside). Do not edit by hand.

import type { AddressBookSyncResult } from "./AddressBookSyncResult";
import type { ApiTestResult } from "./ApiTestResult";
import type { CallCard } from "./CallCard";
import type { CallRow } from "./CallRow";
import type { CallerContext } from "./CallerContext";
import type { CallerContextEvent } from "./CallerContextEvent";
import type { CallerIdentityEvent } from "./CallerIdentityEvent";
import type { CardChange } from "./CardChange";
import type { CdrImportSummary } from "./CdrImportSummary";
import type { Colleague } from "./Colleague";
import type { ConfirmDial } from "./ConfirmDial";
import type { ConnectionStatus } from "./ConnectionStatus";
import type { ConsoleState } from "./ConsoleState";
import type { Contact } from "./Contact";
import type { DirectoryTestResult } from "./DirectoryTestResult";
import type { HistoryChanged } from "./HistoryChanged";
import type { HistoryQuery } from "./HistoryQuery";
import type { ImportProgress } from "./ImportProgress";
import type { ImportReport } from "./ImportReport";
import type { IncomingSmsEvent } from "./IncomingSmsEvent";
import type { Mailbox } from "./Mailbox";
import type { MissedPage } from "./MissedPage";
import type { Note } from "./Note";
import type { Offer } from "./Offer";
import type { ParkedCall } from "./ParkedCall";
import type { PbxChannel } from "./PbxChannel";
import type { Queue } from "./Queue";
import type { RecallOutput } from "./RecallOutput";
import type { Settings } from "./Settings";
import type { SmsRow } from "./SmsRow";
import type { Status } from "./Status";
import type { TestReport } from "./TestReport";

/** Arguments and result of every command (src-tauri/src/ipc_table.in). */
export interface Commands {
  get_status: [undefined, Status];
  get_presence: [undefined, Array<Colleague>];
  list_live_calls: [undefined, Array<CallCard>];
  dial: [{ number: string }, null];
  transfer: [{ call: string; target: string; attended: boolean }, null];
  hangup: [{ call: string }, null];
  add_note: [{ callId?: string; number?: string; text: string }, Note];
  lookup_caller: [{ number: string }, CallerContext];
  search_history: [{ query: HistoryQuery }, Array<CallRow>];
  list_missed: [{ beforeMs?: number; beforeCall?: string }, MissedPage];
  mark_called_back: [{ callId: string }, null];
  search_contacts: [{ text: string }, Array<Contact>];
  import_contacts: [{ fileName: string; content: string }, ImportReport];
  export_contacts: [undefined, string];
  get_settings: [undefined, Settings];
  save_settings: [{ settings: Settings }, null];
  set_secret: [{ secret: string }, null];
  test_connection: [{ settings: Settings }, TestReport];
  open_crm: [{ number: string }, null];
  dismiss_popup: [{ call: string }, null];
  send_sms: [{ number: string; text: string; span?: number }, SmsRow];
  sms_thread: [{ number: string }, Array<SmsRow>];
  search_sms: [{ text: string }, Array<SmsRow>];
  set_api_token: [{ token: string }, null];
  test_api_connection: [{ settings: Settings }, ApiTestResult];
  import_cdr: [undefined, CdrImportSummary];
  list_pbx_calls: [undefined, Array<PbxChannel>];
  play_recording: [{ callId: string }, null];
  get_console: [undefined, ConsoleState];
  pickup: [{ extension: string }, null];
  park: [{ call: string }, null];
  retrieve: [{ slot: string; lot?: string }, null];
  queue_pause: [{ queue?: string; member: string; paused: boolean; reason?: string }, null];
  queue_member: [{ queue: string; member: string; loggedIn: boolean }, null];
  send_to_voicemail: [{ call: string; extension: string }, null];
  set_shown_language: [{ language: string }, null];
  set_directory_password: [{ password: string }, null];
  test_directory: [{ settings: Settings }, DirectoryTestResult];
  set_address_book_password: [{ password: string }, null];
  sync_address_book: [undefined, AddressBookSyncResult];
  set_broker_password: [{ password: string }, null];
}

/** Event names, as the constants in src-tauri/src/ipc.rs. */
export const EVENTS = {
  card: "ringside://card",
  liveCalls: "ringside://live-calls",
  callerContext: "ringside://caller-context",
  callerIdentity: "ringside://caller-identity",
  connection: "ringside://connection",
  presence: "ringside://presence",
  historyChanged: "ringside://history-changed",
  confirmDial: "ringside://confirm-dial",
  focusDialer: "ringside://focus-dialer",
  sms: "ringside://sms",
  cdrImport: "ringside://cdr-import",
  parked: "ringside://parked",
  queues: "ringside://queues",
  voicemail: "ringside://voicemail",
  recall: "ringside://recall",
  console: "ringside://console",
} as const;

/** The payload of every event. */
export interface EventPayloads {
  [EVENTS.card]: CardChange;
  [EVENTS.liveCalls]: Array<CallCard>;
  [EVENTS.callerContext]: CallerContextEvent;
  [EVENTS.callerIdentity]: CallerIdentityEvent;
  [EVENTS.connection]: ConnectionStatus;
  [EVENTS.presence]: Array<Colleague>;
  [EVENTS.historyChanged]: HistoryChanged;
  [EVENTS.confirmDial]: ConfirmDial;
  [EVENTS.focusDialer]: HistoryChanged;
  [EVENTS.sms]: IncomingSmsEvent;
  [EVENTS.cdrImport]: ImportProgress;
  [EVENTS.parked]: Array<ParkedCall>;
  [EVENTS.queues]: Array<Queue>;
  [EVENTS.voicemail]: Array<Mailbox>;
  [EVENTS.recall]: RecallOutput;
  [EVENTS.console]: Array<Offer>;
}
