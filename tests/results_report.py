"""pytest plugin: count outcomes per test area and skip reasons, for the README's testing section.

Active when ``RHOSOCIAL_RESULTS_FILE`` names a JSON file to write at the end of
the session; ``python tools/results_table.py`` renders it into README.md.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path


def _area(nodeid: str) -> str:
    parts = nodeid.split("::")[0].split("/")
    if len(parts) > 2 and parts[1] == "suite":
        flavour = "async" if parts[-1].endswith("_async.py") else "sync"
        return f"official suite ({flavour})"
    return parts[1] if len(parts) > 1 else parts[0]


class ResultsReport:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.counts: dict = defaultdict(Counter)
        self.skips: Counter = Counter()

    def pytest_runtest_logreport(self, report):
        area = _area(report.nodeid)
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            outcome = report.outcome
            if outcome == "skipped" and hasattr(report, "wasxfail"):
                outcome = "xfailed"
            elif outcome == "failed" and report.when == "setup":
                outcome = "error"
            self.counts[area][outcome] += 1
            if report.outcome == "skipped":
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                self.skips[reason.replace("Skipped: ", "")[:160]] += 1

    def pytest_collection_finish(self, session):
        for item in session.items:
            self.counts[_area(item.nodeid)]["collected"] += 1

    def pytest_sessionfinish(self, session, exitstatus):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"areas": {k: dict(v) for k, v in sorted(self.counts.items())},
                "skips": dict(self.skips.most_common()), "exitstatus": int(exitstatus),
                "server": os.environ.get("RHOSOCIAL_PG_MAJOR") or "default"}
        self.path.write_text(json.dumps(data, indent=1))


def pytest_configure(config):
    path = os.environ.get("RHOSOCIAL_RESULTS_FILE")
    if path:
        config.pluginmanager.register(ResultsReport(path), "rhosocial-results-report")
