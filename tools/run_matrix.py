#!/usr/bin/env python3
"""Run the tests on several PostgreSQL majors, one pytest session per major.

    python tools/run_matrix.py                      # majors 10..18, provider from env or `local`
    python tools/run_matrix.py --provider containers --majors 10 18 --suite 10 18

Our own tests (except those marked slow) run on every major, two majors at a time
(``--jobs``), each with its own server and log in build/matrix/; the official rhosocial-activerecord suite runs
on the majors given to ``--suite`` (default: oldest and newest). Capability
reports land in build/capabilities/ (see tools/capability_table.py). Exit code
is non-zero if any major failed; a summary table is printed at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN_TESTS = ["tests/backend", "tests/capabilities", "tests/types", "tests/schema", "tests/ddl", "tests/cli",
             "tests/reliability", "tests/performance"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--majors", nargs="*", type=int, default=list(range(10, 19)))
    parser.add_argument("--suite", nargs="*", type=int, default=None, help="majors that also run the official suite")
    parser.add_argument("--provider", default=os.environ.get("RHOSOCIAL_PG_PROVIDER", "local"))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("RHOSOCIAL_MATRIX_JOBS", "2")),
                        help="majors run at the same time (one pytest process and one server each)")
    parser.add_argument("--all", action="store_true", help="include tests marked slow (left out by default)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    suite_majors = set(args.suite if args.suite is not None else [min(args.majors), max(args.majors)])
    logs = ROOT / "build" / "matrix"
    logs.mkdir(parents=True, exist_ok=True)
    pending = list(args.majors)
    running: dict = {}
    results = []
    while pending or running:
        while pending and len(running) < max(1, args.jobs):
            major = pending.pop(0)
            paths = [p for p in OWN_TESTS if (ROOT / p).exists()]
            if major in suite_majors:
                paths.append("tests/suite")
            env = dict(os.environ, RHOSOCIAL_PG_PROVIDER=args.provider, RHOSOCIAL_PG_MAJOR=str(major),
                       RHOSOCIAL_RESULTS_FILE=str(ROOT / "build" / "results" / f"pg{major}.json"))
            marks = [] if args.all else ["-m", "not slow"]
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *marks, *paths,
                       *args.pytest_args]
            log = open(logs / f"pg{major}.log", "w")
            print(f"=== PostgreSQL {major} ({args.provider}) started: {' '.join(paths)}", flush=True)
            running[major] = (subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
                              time.monotonic(), log)
        time.sleep(1)
        for major, (process, start, log) in list(running.items()):
            if process.poll() is None:
                continue
            log.close()
            del running[major]
            results.append((major, process.returncode, time.monotonic() - start))
            text = (logs / f"pg{major}.log").read_text()
            tail = [line for line in text.splitlines() if line.startswith(("FAILED", "ERROR"))]
            summary = text.strip().splitlines()[-1] if text.strip() else ""
            print(f"=== PostgreSQL {major}: {summary}", *tail[:50], sep="\n", flush=True)
    print("\nmajor  result  seconds")
    for major, code, seconds in sorted(results):
        print(f"{major:>5}  {'ok' if code == 0 else f'FAIL({code})':<6}  {seconds:7.1f}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
