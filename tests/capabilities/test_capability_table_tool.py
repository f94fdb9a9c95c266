"""``tools/capability_table.py``: the compatibility docs follow the capability table, and
``--check`` (run by ``tox -e lint``) catches a table the docs or the observations lag behind.
No server: the observations come from the tracked snapshot ``docs/compatibility.json``."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from rhosocial.activerecord.backend.impl.postgres.capabilities import CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("capability_table", ROOT / "tools" / "capability_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "docs").mkdir()
    for name in ("docs/compatibility.json", "docs/compatibility.md", "README.md"):
        shutil.copyfile(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_docs_are_generated_from_the_current_table(tree):
    tool = _tool()
    assert tool.main(["--root", str(tree), "--check"]) == 0
    doc = (tree / "docs" / "compatibility.md").read_text()
    for key in CAPABILITIES:
        assert f"| `{key}` |" in doc, f"{key} missing from docs/compatibility.md"


def test_check_fails_on_a_row_without_observations(tree, capsys):
    tool = _tool()
    snapshot_path = tree / "docs" / "compatibility.json"
    snapshot = json.loads(snapshot_path.read_text())
    del snapshot["13"]["observed"]["xml_passing_by_value"]
    snapshot_path.write_text(json.dumps(snapshot))
    assert tool.main(["--root", str(tree), "--check"]) == 1
    assert "'xml_passing_by_value' has no observation on PostgreSQL 13" in capsys.readouterr().err


def test_a_stale_report_is_not_merged(tree, tmp_path, capsys):
    tool = _tool()
    reports = tmp_path / "reports"
    reports.mkdir()
    results = {k: {"observed": True} for k in CAPABILITIES if k != "merge"}
    (reports / "pg15.json").write_text(json.dumps({"server": {"major": 15, "minor": 99}, "build_options": {},
                                                   "results": results}))
    before = json.loads((tree / "docs" / "compatibility.json").read_text())["15"]
    assert tool.main(["--root", str(tree), "--reports", str(reports)]) == 1
    assert "report for PostgreSQL 15 predates rows ['merge']" in capsys.readouterr().err
    assert json.loads((tree / "docs" / "compatibility.json").read_text())["15"] == before
