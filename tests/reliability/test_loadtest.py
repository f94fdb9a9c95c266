"""tools/loadtest.py runs, stays bounded, reports throughput/percentiles/errors, cleans up."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("mode,workers", [("sync", 4), ("async", 16)])
def test_loadtest_short_run(pg_database, tmp_path, mode, workers):
    out = tmp_path / "report.json"
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "loadtest.py"), "--dsn", pg_database.dsn, "--duration", "2",
         "--mode", mode, "--workers", str(workers), "--json", str(out)],
        capture_output=True, text=True, timeout=90, cwd=str(REPO))
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["ops"] > 0 and report["throughput_ops_s"] > 0
    assert report["error_count"] == 0, report["errors"]
    assert report["invariant_ok"] is True
    assert {"p50", "p95", "p99", "max"} <= set(report["latency_ms"]["all"])
    assert "throughput" in result.stdout
    assert elapsed < 60
    assert pg_database.server.password not in result.stdout + result.stderr
    with pg_database.connect() as conn:  # the table is gone
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'rho_loadtest_%'").fetchone()[0] == 0


def test_loadtest_max_ops_bound(pg_database, tmp_path):
    out = tmp_path / "r.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "loadtest.py"), "--dsn", pg_database.dsn, "--duration", "30",
         "--workers", "2", "--max-ops", "50", "--json", str(out)],
        capture_output=True, text=True, timeout=90, cwd=str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["ops"] + report["error_count"] == 50
    assert report["elapsed_s"] < 20


def test_loadtest_rejects_unbounded_arguments():
    result = subprocess.run([sys.executable, str(REPO / "tools" / "loadtest.py"), "--duration", "100000"],
                            capture_output=True, text=True, timeout=30, cwd=str(REPO))
    assert result.returncode == 2 and "--duration" in result.stderr
