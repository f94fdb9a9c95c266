"""``python -m benchmarks.think_time [--reps N]``: what a round trip costs when the client
does work between round trips.

The "core floor" of the model workloads adds raw psycopg's time for 1,000 point lookups to
the time of the core's model code measured in a loop of its own. That sum assumes a round
trip costs the same whether the client sends the next query at once or after some tens of
microseconds of Python work. It does not: while the client works, the server process sleeps,
and on a small machine its wake-up (scheduling, cold caches) lands on the next round trip.

This measures raw psycopg point lookups with a busy loop of ``think`` microseconds after each
one (no backend, no model code) and reports the round trip alone (total minus the busy time).
Every think time runs once per repetition, interleaved; medians and minimums are printed.
If the round trip grows with the think time, no backend can reach the added floor: its model
code is think time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg
from psycopg.rows import dict_row

from . import schema
from .__main__ import _seed, _server
from .systems_base import SELECT_KEY

THINK_US = (0, 25, 50, 100, 200)
LOOKUPS = 1000


def _busy(seconds: float) -> None:
    # A busy loop, not sleep(): the model code it stands for keeps the CPU.
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _round_trip_us(conn: psycopg.Connection, think_us: int) -> float:
    keys = schema.keys(LOOKUPS)
    think = think_us / 1e6
    with conn.cursor(row_factory=dict_row) as cur:
        start = time.perf_counter()
        for key in keys:
            cur.execute(SELECT_KEY, (key,))
            cur.fetchone()
            if think:
                _busy(think)
        elapsed = time.perf_counter() - start
    return elapsed / LOOKUPS * 1e6 - think_us


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.think_time")
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args(argv)
    server, conninfo = _server()
    try:
        _seed(conninfo)
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            _round_trip_us(conn, 0)  # warm-up (and psycopg prepares the statement)
            samples = {think: [] for think in THINK_US}
            for _ in range(args.reps):
                for think in THINK_US:
                    samples[think].append(_round_trip_us(conn, think))
        print("| client work between round trips | round trip, median | round trip, minimum |")
        print("| ---: | ---: | ---: |")
        for think, values in samples.items():
            print(f"| {think} us | {statistics.median(values):.0f} us | {min(values):.0f} us |")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
