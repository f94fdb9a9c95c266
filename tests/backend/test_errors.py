"""Errors mapped by SQLSTATE, with the diagnostic fields kept on the error (upstream defect 5)."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.errors import (
    DeadlockError, IntegrityError, LockError, OperationalError, QueryError, TransactionError,
)

from rhosocial.activerecord.backend.impl.postgres.errors import (
    DataError, QueryCanceledError, SerializationError, StatementTimeoutError, is_retryable,
)



@pytest.mark.asyncio
async def test_integrity_errors_keep_constraint_and_table(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, v INT NOT NULL CHECK (v > 0))')
    await db.execute(f'INSERT INTO "{table}" VALUES (1, 1)')
    cases = [("(1, 1)", "23505"), ("(2, NULL)", "23502"), ("(3, -1)", "23514")]
    for values, code in cases:
        with pytest.raises(IntegrityError) as info:
            await db.execute(f'INSERT INTO "{table}" VALUES {values}')
        assert info.value.sqlstate == code
        assert info.value.table_name == table
    assert info.value.constraint_name == f"{table}_v_check"


@pytest.mark.parametrize("sql, cls, code", [
    ("SELECT * FROM no_such_table_xyz", QueryError, "42P01"),
    ("SELEC 1", QueryError, "42601"),
    ("SELECT 1/0", DataError, "22012"),
    ("SELECT 'abc'::int", DataError, "22P02"),
    ("SELECT 2147483647::int + 1", DataError, "22003"),
    ("SELECT pg_sleep(2)", StatementTimeoutError, "57014"),
])
@pytest.mark.asyncio
async def test_sqlstate_classes(backend_factory, sql, cls, code):
    db = await backend_factory(statement_timeout="200ms")
    with pytest.raises(cls) as info:
        await db.execute(sql)
    assert info.value.sqlstate == code


@pytest.mark.asyncio
async def test_lock_timeout_is_a_lock_error_distinct_from_statement_timeout(backend_factory, table, admin):
    admin.execute(f'CREATE TABLE "{table}" (id INT)')
    db = await backend_factory(lock_timeout="150ms")
    other = admin.connection if hasattr(admin, "connection") else admin
    other.execute("BEGIN")
    other.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    try:
        with pytest.raises(LockError) as info:
            await db.execute(f'SELECT * FROM "{table}"')
        assert info.value.sqlstate == "55P03"
        assert not isinstance(info.value, QueryCanceledError)
    finally:
        other.execute("ROLLBACK")


def test_retryable_classes():
    assert is_retryable(SerializationError("x")) and is_retryable(DeadlockError("x"))
    assert not is_retryable(IntegrityError("x")) and not is_retryable(OperationalError("x"))
    assert issubclass(SerializationError, TransactionError)
    assert issubclass(StatementTimeoutError, QueryCanceledError) and issubclass(QueryCanceledError, OperationalError)
