// Connection status in the header and the demo banner.

import { byId } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { ConnectionStatus } from "../bindings/ConnectionStatus";

const STATE_WORDS: Record<string, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  authFailed: "Login refused",
  unreachable: "PBX unreachable",
  disconnected: "Disconnected",
};

function showConnection(status: ConnectionStatus): void {
  const box = byId("connection");
  box.dataset.state = status.state;
  byId("connection-state").textContent = STATE_WORDS[status.state] ?? status.state;
  // The shell's message is already a plain sentence ("Wrong AMI password for user 'x' on pbx.local:5038").
  byId("connection-message").textContent = status.message;
}

export async function startStatus(): Promise<string[]> {
  await onEvent(EVENTS.connection, showConnection);
  try {
    const status = await command("get_status");
    showConnection(status.connection);
    byId("demo-banner").hidden = !status.demo;
    return status.extensions;
  } catch (e) {
    showConnection({ state: "disconnected", message: errorText(e) });
    return [];
  }
}
