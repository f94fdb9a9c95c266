#!/usr/bin/env python3
"""Render the PostgreSQL compatibility table from the capability table and what servers did.

Two inputs, one source each:

* the rows (key, first version, extension, description) come from the code: the
  ``capabilities/`` table of the core package;
* what each server did comes from ``docs/compatibility.json``, a tracked snapshot of
  the truth reports that ``tests/capabilities/test_capability_truth.py`` writes to
  ``build/capabilities/pg<major>.json`` (one per major it ran on; build/ is not tracked).

Outputs: ``docs/compatibility.md`` and the part of ``README.md`` between
``<!-- caps:begin -->`` and ``<!-- caps:end -->`` (if those markers exist).

``python tools/capability_table.py`` merges the reports found in ``--reports`` into the
snapshot (a report replaces its major's entry; one lacking a row of the current table is
refused as stale), then writes the snapshot and both outputs.

``--check`` (lint; needs no server and reads no reports) writes nothing and exits 1 when
the outputs differ from what the table and the snapshot give, or when a row of the table
has no observation on some major of the snapshot (run the truth test there, then this).

Usage: python tools/capability_table.py [--reports DIR] [--root DIR] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- caps:begin -->", "<!-- caps:end -->"
ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path("docs") / "compatibility.json"


def _capabilities() -> dict[str, Any]:
    from rhosocial.activerecord.backend.impl.postgres.capabilities import CAPABILITIES

    return CAPABILITIES


def load_reports(directory: Path) -> dict[int, dict]:
    reports = {}
    for path in sorted(directory.glob("pg*.json")):
        data = json.loads(path.read_text())
        reports[int(data["server"]["major"])] = data
    return dict(sorted(reports.items()))


def merge(snapshot: dict[str, dict], reports: dict[int, dict], keys: set[str]) -> list[str]:
    """Fold truth reports into the snapshot; return the problems (stale reports)."""
    problems = []
    for major, report in reports.items():
        missing = sorted(keys - set(report["results"]))
        if missing:
            problems.append(f"report for PostgreSQL {major} predates rows {missing}: run the truth test there again")
            continue
        server = report["server"]
        snapshot[str(major)] = {
            "version": f"{server['major']}.{server['minor']}",
            "build_options": dict(report.get("build_options") or {}),
            "observed": {k: report["results"][k]["observed"] for k in sorted(keys)},
        }
    return problems


def declared(entry: dict, caps: dict[str, Any]) -> dict[str, bool]:
    """The dialect's answers for that server, told what the truth test tells it: its
    build options, and every extension installed (rows whose extension the server
    lacks are shown as n/a whatever the answer)."""
    from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect

    major, minor = (int(p) for p in entry["version"].split("."))
    dialect = PostgresDialect(version=(major, minor, 0))
    dialect.set_build_options(entry.get("build_options") or {})
    dialect.set_extensions({c.extension: "snapshot" for c in caps.values() if c.extension}, None)
    return {key: dialect.has_capability(key) for key in caps}


def _cell(observed: bool | None, declared_: bool) -> str:
    if observed is None:
        return "n/a"  # extension not available on that server
    mark = "yes" if observed else "no"
    return mark if observed == declared_ else f"**{mark} (declared {'yes' if declared_ else 'no'})**"


def render(snapshot: dict[str, dict], caps: dict[str, Any]) -> tuple[str, list[str]]:
    majors = sorted(snapshot, key=int)
    answers = {m: declared(snapshot[m], caps) for m in majors}
    problems = [f"row {key!r} has no observation on PostgreSQL {m}: run the truth test there, then this tool"
                for m in majors for key in caps if key not in snapshot[m]["observed"]]
    lines = [
        "| Feature | Key | Since | Needs | " + " | ".join(majors) + " |",
        "|---|---|---|---|" + "---|" * len(majors),
    ]
    for key in sorted(caps, key=lambda k: (caps[k].category, k)):
        cap = caps[key]
        since = f"{cap.since[0]}.{cap.since[1]}" if cap.since else "never"
        needs = f"`{cap.extension}`" if cap.extension else ""
        cells = [_cell(snapshot[m]["observed"][key], answers[m][key]) if key in snapshot[m]["observed"] else "?"
                 for m in majors]
        desc = cap.description.replace("|", "\\|")
        lines.append(f"| {desc} | `{key}` | {since} | {needs} | " + " | ".join(cells) + " |")
    mismatches = {
        m: sum(1 for k in caps if snapshot[m]["observed"].get(k) is not None
               and snapshot[m]["observed"][k] != answers[m][k])
        for m in majors
    }
    summary = ", ".join(f"{m}: {n}" for m, n in mismatches.items())
    verified = ", ".join(f"{m} ({snapshot[m]['version']})" for m in majors)
    text = "\n".join([
        f"Verified by running every probe on PostgreSQL {verified}. "
        f"Cells show what the server did (`yes`/`no`); `n/a`: extension not available there. "
        f"Declared-vs-observed mismatches per major: {summary}.",
        "",
        *lines,
    ])
    return text, problems


def compatibility_doc(table: str) -> str:
    return (
        "# PostgreSQL compatibility\n\n"
        "<!-- Generated by tools/capability_table.py from the capabilities/ table and "
        "docs/compatibility.json: do not edit. -->\n\n"
        "Each row is one entry of the `capabilities/` table: the first server version with the feature, the "
        "extension it needs, and what each tested server did when its probe ran "
        "(`tests/capabilities/test_capability_truth.py`). `never`: PostgreSQL has no such feature; "
        "the dialect answers False and refuses to emit it.\n\n" + table + "\n"
    )


def splice_readme(text: str, table: str) -> str | None:
    if BEGIN not in text or END not in text:
        return None
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def _dump(snapshot: dict[str, dict]) -> str:
    ordered = {m: snapshot[m] for m in sorted(snapshot, key=int)}
    return json.dumps(ordered, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=Path, default=ROOT / "build" / "capabilities")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the outputs are out of date")
    args = parser.parse_args(argv)

    caps = _capabilities()
    snapshot_path = args.root / SNAPSHOT
    snapshot = json.loads(snapshot_path.read_text()) if snapshot_path.exists() else {}
    problems: list[str] = []
    if not args.check:
        problems += merge(snapshot, load_reports(args.reports), set(caps))
    if not snapshot:
        print(f"no observations in {snapshot_path} nor reports in {args.reports}: run tests/capabilities first",
              file=sys.stderr)
        return 2
    table, missing = render(snapshot, caps)
    problems += missing
    outputs = {args.root / "docs" / "compatibility.md": compatibility_doc(table)}
    if not args.check:
        outputs[snapshot_path] = _dump(snapshot)
    readme = args.root / "README.md"
    if readme.exists():
        spliced = splice_readme(readme.read_text(), table)
        if spliced is not None:
            outputs[readme] = spliced

    stale = [p for p, content in outputs.items() if not p.exists() or p.read_text() != content]
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.check:
        for path in stale:
            print(f"out of date: {path} (python tools/capability_table.py regenerates it)", file=sys.stderr)
        return 1 if stale or problems else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(outputs[path])
        print(f"wrote {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
