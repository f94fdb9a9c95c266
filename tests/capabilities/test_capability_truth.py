"""Every row of the capability table, probed on a real server: declared == observed.

Declared is what ``PostgresDialect`` answers for this server version (and the
extensions the probe could create); observed is whether the row's probe ran.
A row declared present must succeed; a row declared absent must fail with a
"does not exist / syntax" kind of error (see probes.ABSENT_CLASSES), not with a
setup mistake. The observations are written to
``$RHOSOCIAL_CAPS_REPORT_DIR/pg<major>.json`` (default build/capabilities/)
for ``tools/capability_table.py``.

Run on several majors: ``pytest tests/capabilities --pg-provider local --pg-major 12``.
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.impl.postgres.capabilities import CAPABILITIES

from .probes import ABSENT_CLASSES, observe_all, write_report


@pytest.fixture(scope="module")
def truth_report(pg_database):
    report = observe_all(pg_database.dsn)
    write_report(report)
    return report


@pytest.mark.parametrize("key", sorted(CAPABILITIES))
def test_declared_matches_server(truth_report, key):
    row = truth_report["results"][key]
    major = truth_report["server"]["major"]
    if row["observed"] is None:
        pytest.skip(f"extension {row['extension']!r} not available on this server: {row['error']}")
    assert row["stage"] != "setup", f"{key}: probe setup failed on PostgreSQL {major}: {row['error']}"
    if row["declared"]:
        assert row["observed"], (
            f"{key} is declared from {row['since']} but its probe failed on PostgreSQL {major}: "
            f"[{row['sqlstate']}] {row['error']}"
        )
    else:
        assert not row["observed"], f"{key} is declared absent on PostgreSQL {major} but its probe succeeded"
        assert (row["sqlstate"] or "")[:2] in ABSENT_CLASSES, (
            f"{key}: probe failed for an unexpected reason on PostgreSQL {major}: [{row['sqlstate']}] {row['error']}"
        )


def test_report_covers_every_row(truth_report):
    assert set(truth_report["results"]) == set(CAPABILITIES)
