"""The README's usage examples (the demo runs them) work as written against a real server,
sync and async: upstream defect 10 was a README that disagreed with the code."""

from __future__ import annotations

import asyncio

from rhosocial.activerecord.backend.impl.postgres.cli import demo

from .conftest import make_config


def test_readme_examples_run(pg_database, capsys):
    config = make_config(pg_database)
    demo.run_sync_examples(config)
    asyncio.run(demo.run_async_examples(config))
    demo._drop_tables(config)
    out = capsys.readouterr().out
    for expected in (
        "User.save() -> id: 1",
        "CTE active_users: ['John']",
        "JSONB metadata->>'role' = 'admin': ['John']",
        "array ? = ANY(tags): [('postgres Arrays', ['database', 'postgres', 'arrays'])]",
        "JSONB key test attributes ? 'specs' (written \\?): 1",
        "DATERANGE @> 2024-01-03: [(101, (datetime.date(2024, 1, 1), datetime.date(2024, 1, 7)))]",
        "duplicate e-mail inside a savepoint: IntegrityError",
        "after rollback to savepoint, Dave committed: True",
        "SERIALIZABLE READ ONLY DEFERRABLE: serializable, deferrable=on",
        "async with tm: committed: 1",
    ):
        assert expected in out, (expected, out)
