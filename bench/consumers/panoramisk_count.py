#!/usr/bin/env python3
"""Counts AMI events through panoramisk's public API (Manager + register_event('*')).

argv: HOST PORT EXPECTED IDLE_S. Prints one JSON line: events seen, seconds
from the first event to the last, and how the run ended.
"""
import asyncio
import json
import sys
import time

from panoramisk import Manager


async def main(host, port, expected, idle):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    st = {"n": 0, "t0": None, "t1": None}

    def on_event(manager, event):
        now = time.perf_counter()
        if st["t0"] is None:
            st["t0"] = now
        st["n"] += 1
        st["t1"] = now
        if st["n"] >= expected and not done.done():
            done.set_result("all events")

    manager = Manager(loop=loop, host=host, port=port, username="ringside", secret="ringside-secret")
    manager.register_event("*", on_event)
    started = time.perf_counter()
    await manager.connect()
    end = "idle timeout"
    while True:
        try:
            end = await asyncio.wait_for(asyncio.shield(done), timeout=0.5)
            break
        except asyncio.TimeoutError:
            last = st["t1"] or started
            if time.perf_counter() - last > idle:
                break
    manager.close()
    return st, end


if __name__ == "__main__":
    host, port, expected, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    st, end = asyncio.run(main(host, port, expected, idle))
    span = (st["t1"] - st["t0"]) if st["t0"] is not None else 0.0
    print(json.dumps({"events": st["n"], "lagged": 0, "first_to_last_s": span, "end": end}))
