#!/usr/bin/env python3
"""Counts AMI events through asterisk-ami's public API (AMIClient + add_event_listener).

argv: HOST PORT EXPECTED IDLE_S. Prints one JSON line like the other consumers.
"""
import json
import sys
import threading
import time

from asterisk.ami import AMIClient

host, port, expected, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
st = {"n": 0, "t0": None, "t1": None}
done = threading.Event()


def on_event(event, **kwargs):
    now = time.perf_counter()
    if st["t0"] is None:
        st["t0"] = now
    st["n"] += 1
    st["t1"] = now
    if st["n"] >= expected:
        done.set()


client = AMIClient(address=host, port=port)
client.add_event_listener(on_event)
started = time.perf_counter()
future = client.login(username="ringside", secret="ringside-secret")
end = "idle timeout"
while True:
    if done.wait(0.5):
        end = "all events"
        break
    if client.finished is not None and client.finished.is_set():
        end = "client disconnected"
        break
    if time.perf_counter() - (st["t1"] or started) > idle:
        break
span = (st["t1"] - st["t0"]) if st["t0"] is not None else 0.0
print(json.dumps({"events": st["n"], "lagged": 0, "first_to_last_s": span, "end": end}), flush=True)
client.disconnect()
