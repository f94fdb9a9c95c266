#!/usr/bin/env python3
"""Render test outcome counts (from RHOSOCIAL_RESULTS_FILE reports) into README.md.

    RHOSOCIAL_RESULTS_FILE=build/results/default.json tox -e test
    python tools/results_table.py build/results/default.json

Writes the table between ``<!-- results:begin -->`` and ``<!-- results:end -->``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def render(report: dict, label: str) -> str:
    areas = report["areas"]
    lines = [f"Outcome counts of `{label}` (server: {report.get('server', 'default')}):", "",
             "| area | collected | passed | skipped | xfailed | failed | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    total = {k: 0 for k in ("collected", "passed", "skipped", "xfailed", "failed", "error")}
    for area, counts in areas.items():
        row = [counts.get(k, 0) for k in total]
        for key, value in zip(total, row):
            total[key] += value
        lines.append(f"| {area} | " + " | ".join(str(v) for v in row) + " |")
    lines.append("| **total** | " + " | ".join(f"**{v}**" for v in total.values()) + " |")
    if report.get("skips"):
        lines += ["", "Skips, by reason:", ""]
        lines += [f"- {count} x {reason}" for reason, count in report["skips"].items()]
    return "\n".join(lines)


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "results" / "default.json"
    report = json.loads(path.read_text())
    block = render(report, "tox -e test")
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    readme.write_text(text[:start] + "\n" + block + "\n" + text[end:])
    print(f"wrote {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
