// The one place the UI talks to the Rust shell: event names and a typed
// `command()` over `invoke`, both following docs/ipc-contract.md. Pages import
// from here, never from @tauri-apps/api directly, so a renamed command or
// payload is a type error in one file.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { EVENTS, type Commands, type EventPayloads } from "./bindings/IpcTable";
import type { IpcError } from "./bindings/IpcError";
import { errorSentence, t } from "./i18n";

/** Event names and the command and event tables come from Rust (src-tauri/src/ipc_table.in). */
export { EVENTS };

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

/**
 * A sentence to show for a failed command: the shell's message when it sent
 * one (in another language, its code's translation with the message after it).
 */
export function errorText(e: unknown): string {
  if (isIpcError(e) && e.message.trim() !== "") return errorSentence(e.code, e.message);
  if (typeof e === "string" && e.trim() !== "") return e;
  return t("error.noService");
}
