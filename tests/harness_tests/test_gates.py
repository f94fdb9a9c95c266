"""tests/gates.py: environment skips become failures under RHOSOCIAL_REQUIRE_ALL=1, and an
extension is declared missing only when the server does not ship it."""

from __future__ import annotations

import psycopg
import pytest
from _pytest.outcomes import Failed, Skipped

from tests import gates


def test_environment_skip_skips_by_default(monkeypatch):
    monkeypatch.delenv(gates.REQUIRE_ALL_ENV, raising=False)
    with pytest.raises(Skipped, match="pgbouncer not installed"):
        gates.environment_skip("pgbouncer not installed")
    gates.environment_gate(None)  # nothing missing: no outcome


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_environment_skip_fails_when_everything_is_required(monkeypatch, value):
    monkeypatch.setenv(gates.REQUIRE_ALL_ENV, value)
    with pytest.raises(Failed, match="RHOSOCIAL_REQUIRE_ALL=1 but .*needs root"):
        gates.environment_gate("needs root (iptables)")
    gates.environment_gate(None)


def test_extension_shipped_reads_the_catalogue(pg_database):
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        assert gates.extension_shipped(conn, "plpgsql")  # every server ships it
        assert not gates.extension_shipped(conn, "no_such_extension_xyz")
    with pytest.raises(Skipped, match=r"extension no_such_extension_xyz is not available on this PostgreSQL \d+"):
        gates.require_extension(pg_database.dsn, "no_such_extension_xyz")
    gates.require_extension(pg_database.dsn, "plpgsql")  # shipped: no outcome
