#!/usr/bin/env python3
"""Run the tests on several PostgreSQL majors, one pytest session per major.

    python tools/run_matrix.py                      # majors 10..18, provider from env or `local`
    python tools/run_matrix.py --provider containers --majors 10 18 --suite 10 18

Our own tests run on every major; the official rhosocial-activerecord suite runs
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
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    suite_majors = set(args.suite if args.suite is not None else [min(args.majors), max(args.majors)])
    results = []
    for major in args.majors:
        paths = [p for p in OWN_TESTS if (ROOT / p).exists()]
        if major in suite_majors:
            paths.append("tests/suite")
        env = dict(os.environ, RHOSOCIAL_PG_PROVIDER=args.provider, RHOSOCIAL_PG_MAJOR=str(major),
                   RHOSOCIAL_RESULTS_FILE=str(ROOT / "build" / "results" / f"pg{major}.json"))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths, *args.pytest_args]
        print(f"\n=== PostgreSQL {major} ({args.provider}): {' '.join(paths)}", flush=True)
        start = time.monotonic()
        code = subprocess.call(command, cwd=ROOT, env=env)
        results.append((major, code, time.monotonic() - start))
    print("\nmajor  result  seconds")
    for major, code, seconds in results:
        print(f"{major:>5}  {'ok' if code == 0 else f'FAIL({code})':<6}  {seconds:7.1f}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
