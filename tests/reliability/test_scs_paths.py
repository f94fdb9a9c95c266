"""``standard_conforming_strings = off`` in the session: every path lexes the SQL as it does.

With it off, ``'x\\' %s'`` is one literal (the backslash escapes the quote) holding ``%s``,
which must reach the server as text, not as a placeholder. ``execute`` read the session's
setting; ``stream``, ``execute_batch_dql``, ``execute_many`` and ``execute_batch_dml`` with
RETURNING lexed the text before the connection was known, as if it were on ("syntax error at
or near ..."). Each runs here inside a transaction after ``SET LOCAL``, sync and async.
"""

from __future__ import annotations

import inspect

from rhosocial.activerecord.backend.expression import InsertExpression, Literal, RawSQLExpression, ValuesSource

from .conftest import run

QUERY = "SELECT 'x\\' %s' AS a, %s AS b"
EXPECTED = [{"a": "x' %s", "b": 5}]


async def _all(value):
    if hasattr(value, "__aiter__"):
        return [item async for item in value]
    return list(value)


async def _call(fn, *args, **kwargs):
    value = fn(*args, **kwargs)
    return await value if inspect.isawaitable(value) else value


def _in_scs_off(api_factory, table_name, body):
    """Run ``body(api, backend)`` in a transaction after SET LOCAL standard_conforming_strings = off."""
    api = api_factory()

    async def main():
        await api.connect()
        await api.execute(f'DROP TABLE IF EXISTS "{table_name}"')
        await api.execute(f'CREATE TABLE "{table_name}" (id serial PRIMARY KEY, a text, b int)')
        try:
            async with api.transaction():
                await api.execute("SET LOCAL standard_conforming_strings = off")
                assert await api.rows(QUERY, (5,)) == EXPECTED  # execute: already right
                await body(api, api.backend)
        finally:
            await api.execute(f'DROP TABLE IF EXISTS "{table_name}"')
    run(main(), api)


def test_stream(api_factory, table_name):
    async def body(api, backend):
        assert await _all(backend.stream(QUERY, (5,))) == EXPECTED
    _in_scs_off(api_factory, table_name, body)


def test_execute_batch_dql(api_factory, table_name):
    async def body(api, backend):
        expression = RawSQLExpression(backend.dialect, QUERY, (5,))
        pages = await _all(backend.execute_batch_dql(expression))
        assert [row for page in pages for row in page.data] == EXPECTED
    _in_scs_off(api_factory, table_name, body)


def test_execute_many(api_factory, table_name):
    async def body(api, backend):
        result = await _call(backend.execute_many, f"INSERT INTO \"{table_name}\" (a, b) VALUES ('x\\' %s', %s)",
                             [(1,), (2,)])
        assert result.affected_rows == 2
        assert await api.rows(f'SELECT a, b FROM "{table_name}" ORDER BY id') == [
            {"a": "x' %s", "b": 1}, {"a": "x' %s", "b": 2}]
    _in_scs_off(api_factory, table_name, body)


def _inserts(backend, table_name):
    dialect = backend.dialect
    return [InsertExpression(dialect, into=table_name, columns=["a", "b"],
                             source=ValuesSource(dialect, [[RawSQLExpression(dialect, "'x\\' %s'"), Literal(dialect, i)]]))
            for i in (1, 2)]


def test_execute_batch_dml_with_and_without_returning(api_factory, table_name):
    async def body(api, backend):
        batches = await _all(backend.execute_batch_dml(_inserts(backend, table_name), returning_columns=["a", "b"]))
        assert [r.data for r in batches[0].results] == [[{"a": "x' %s", "b": 1}], [{"a": "x' %s", "b": 2}]]
        batches = await _all(backend.execute_batch_dml(_inserts(backend, table_name)))
        assert batches[0].total_affected_rows == 2
        assert await api.value(f'SELECT count(*) FROM "{table_name}" WHERE a = %s', ("x' %s",)) == 4
    _in_scs_off(api_factory, table_name, body)
