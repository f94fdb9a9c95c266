"""The README's examples work as written against a real server: upstream defect 10 was a
README that disagreed with the code.

``test_readme_python_blocks_run`` runs the README's own ```python blocks, in order, in one
namespace (only the connection settings of ``PostgresConnectionConfig(...)`` are replaced by
the test server's), on a database of its own, and checks what their comments promise; a
README that drifts from the code fails here. ``test_demo_runs`` runs the demo (``tox -e
demo``), which shows the same features for the sync and the async flavour.
"""

from __future__ import annotations

import ast
import asyncio
import re
from contextlib import ExitStack
from pathlib import Path
from typing import List, Tuple

from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend
from rhosocial.activerecord.backend.impl.postgres.cli import demo

from tests.harness.plugin import create_database, drop_database
from tests.performance.helpers import libpq_trace

from .conftest import make_config

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_CONNECTION_KEYS = ("host", "port", "database", "username", "password")

USERS = """CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE,
                    is_active BOOLEAN NOT NULL DEFAULT true, metadata JSONB NOT NULL DEFAULT '{}')"""


def readme_python_blocks() -> List[Tuple[int, str]]:
    """(line number, source) of every ```python block of the README, in order."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE.finditer(text)]


class _ServerSettings(ast.NodeTransformer):
    """``PostgresConnectionConfig(host=..., port=..., ...)``: the connection keywords get the
    test database's values; every other argument stays as the README writes it."""

    def __init__(self, conn_kwargs: dict) -> None:
        self.conn_kwargs = conn_kwargs
        self.replaced = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "PostgresConnectionConfig":
            kept = [k for k in node.keywords if k.arg not in _CONNECTION_KEYS]
            node.keywords = [ast.keyword(arg=key, value=ast.Constant(self.conn_kwargs[key]))
                             for key in _CONNECTION_KEYS] + kept
            self.replaced += 1
        return node


def test_readme_python_blocks_run(pg_database):
    blocks = readme_python_blocks()
    assert len(blocks) >= 2, f"expected the Usage and Transactions examples in {README}"
    database = create_database(pg_database.server, prefix="readme")
    try:
        with database.connect(autocommit=True) as conn:
            conn.execute(USERS)
        settings = _ServerSettings(database.conn_kwargs())
        namespace: dict = {"__name__": "readme_examples"}
        with ExitStack() as stack:
            trace = None
            for line, source in blocks:
                tree = ast.fix_missing_locations(settings.visit(ast.parse(source)))
                # dont_inherit: not this module's "from __future__ import annotations"
                exec(compile(tree, f"{README.name}, python block at line {line}", "exec", dont_inherit=True), namespace)
                if trace is None and "User" in namespace:  # from here on: what the examples send
                    trace = stack.enter_context(libpq_trace(namespace["User"].backend()._connection))
        assert settings.replaced == 1, "the README builds one PostgresConnectionConfig"
        User = namespace["User"]
        try:
            # Usage: what each query returns for the one saved user
            assert namespace["user"].id == 1  # "filled by INSERT ... RETURNING"
            assert [u.name for u in namespace["active"]] == ["John"]
            assert namespace["admins"] == [] and namespace["tagged"] == []  # metadata is {}
            assert [row["name"] for row in namespace["rows"]] == ["John"]  # the CTE of active users
            # Transactions: Alice committed; Dave survives Eve's rollback to the savepoint
            names = [row["name"] for row in User.backend().fetch_all("SELECT name FROM users ORDER BY id")]
            assert names == ["John", "Alice", "Dave"], names
            # "one statement: BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"
            begins = [s for s in trace.statements if s.strip('"').startswith("BEGIN")]
            assert '"BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"' in begins, begins
        finally:
            User.backend().disconnect()
    finally:
        drop_database(database)


def test_demo_runs(pg_database, capsys):
    config = make_config(pg_database)
    demo._create_tables(config)
    demo.run_sync_examples(config)
    asyncio.run(demo.run_async_examples(config, AsyncPostgresBackend))
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
        "SERIALIZABLE READ ONLY DEFERRABLE: serializable, read_only=on, deferrable=on",
        "async with tm: committed: 1",
    ):
        assert expected in out, (expected, out)
