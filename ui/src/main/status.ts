// Connection status in the header and the demo banner.

import { byId } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { ConnectionStatus } from "../bindings/ConnectionStatus";
import { t, type MessageKey } from "../i18n";

const STATE_KEYS: Record<string, MessageKey> = {
  connecting: "connection.connecting",
  connected: "connection.connected",
  authFailed: "connection.authFailed",
  unreachable: "connection.unreachable",
  disconnected: "connection.disconnected",
};

function showConnection(status: ConnectionStatus): void {
  const box = byId("connection");
  box.dataset.state = status.state;
  byId("connection-state").textContent = Object.hasOwn(STATE_KEYS, status.state) ? t(STATE_KEYS[status.state]) : status.state;
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
