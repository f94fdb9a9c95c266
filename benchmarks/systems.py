"""The synchronous systems measured in-process: raw psycopg, our backend (API and models), the
core's floor, the core on raw psycopg, SQLAlchemy 2."""

from __future__ import annotations

import contextlib
from typing import Any, Dict

import psycopg
from psycopg.rows import dict_row

from . import schema
from .models import QUIET, make_models
from .systems_base import (
    COPY_OIDS,
    COPY_SQL,
    INSERT_MANY,
    INSERT_ONE,
    SELECT_KEY,
    SELECT_N,
    STREAM_SQL,
    UPDATE_KEY,
    System,
    _jsonb_rows,
    _timed,
)


class RawPsycopg(System):
    name = "psycopg"
    workloads = ("save", "bulk", "bulk_executemany", "select", "lookup", "update", "stream")

    def __init__(self, conninfo: Dict[str, Any]) -> None:
        self.conn = psycopg.connect(**conninfo, autocommit=True)

    def close(self):
        self.conn.close()

    def w_save(self, n):
        data = _jsonb_rows(schema.rows(n))
        def go():
            with self.conn.transaction(), self.conn.cursor() as cur:
                for r in data:
                    cur.execute(INSERT_ONE, r)
                    cur.fetchone()
        return _timed(go)

    def w_bulk(self, n):
        data = schema.rows(n)
        def go():
            with self.conn.cursor() as cur, cur.copy(COPY_SQL) as copy:
                copy.set_types(COPY_OIDS)
                for r in data:
                    copy.write_row(r)
        return _timed(go)

    def w_bulk_executemany(self, n):
        data = _jsonb_rows(schema.rows(n))
        def go():
            with self.conn.cursor() as cur:
                cur.executemany(INSERT_MANY, data)
        return _timed(go)

    def w_select(self, n):
        def go():
            with self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(SELECT_N, (n,))
                return cur.fetchall()
        return _timed(go)

    def w_lookup(self, n):
        keys = schema.keys(n)
        def go():
            with self.conn.cursor(row_factory=dict_row) as cur:
                for k in keys:
                    cur.execute(SELECT_KEY, (k,))
                    cur.fetchone()
        return _timed(go)

    def w_update(self, n):
        keys = schema.keys(n)
        def go():
            with self.conn.transaction(), self.conn.cursor() as cur:
                for k in keys:
                    cur.execute(UPDATE_KEY, (k % 1000, k))
        return _timed(go)

    def w_stream(self, n):
        def go():
            with self.conn.transaction(), self.conn.cursor(name="bench", row_factory=dict_row) as cur:
                cur.itersize = 2000
                cur.execute(STREAM_SQL, (n,))
                for _ in cur:
                    pass
        return _timed(go)


class OursAPI(System):
    name = "ours (API)"
    workloads = ("save", "bulk", "bulk_executemany", "select", "lookup", "update", "stream")

    def __init__(self, config):
        from rhosocial.activerecord.backend.impl.postgres import PostgresBackend
        from rhosocial.activerecord.backend.options import ExecutionOptions
        from rhosocial.activerecord.backend.schema import StatementType

        self.b = PostgresBackend(connection_config=config, logging_config=QUIET)
        self.b.connect()
        self.b.introspect_and_adapt()
        self.dql = ExecutionOptions(stmt_type=StatementType.DQL)
        self.dml = ExecutionOptions(stmt_type=StatementType.DML)

    def close(self):
        self.b.disconnect()

    def w_save(self, n):
        data = schema.rows(n)
        def go():
            with self.b.transaction():
                for r in data:
                    self.b.execute(INSERT_ONE, r, options=self.dql)
        return _timed(go)

    def w_bulk(self, n):
        data = schema.rows(n)
        return _timed(lambda: self.b.copy_records(schema.WRITE_TABLE, data, columns=schema.COLUMNS))

    def w_bulk_executemany(self, n):
        data = schema.rows(n)
        return _timed(lambda: self.b.execute_many(INSERT_MANY, data))

    def w_select(self, n):
        return _timed(lambda: self.b.fetch_all(SELECT_N, (n,)))

    def w_lookup(self, n):
        keys = schema.keys(n)
        fetch_one = self.b.fetch_one
        def go():
            for k in keys:
                fetch_one(SELECT_KEY, (k,))
        return _timed(go)

    def w_update(self, n):
        keys = schema.keys(n)
        def go():
            with self.b.transaction():
                for k in keys:
                    self.b.execute(UPDATE_KEY, (k % 1000, k), options=self.dml)
        return _timed(go)

    def w_stream(self, n):
        def go():
            for _ in self.b.stream(STREAM_SQL, (n,), batch_size=2000):
                pass
        return _timed(go)


class OursModels(System):
    name = "ours (models)"
    workloads = ("save", "bulk", "select", "lookup", "update")

    def __init__(self, config, backend=None):
        from rhosocial.activerecord.backend.impl.postgres import PostgresBackend

        if backend is None:
            backend = PostgresBackend(connection_config=config, logging_config=QUIET)
            backend.connect()
            backend.introspect_and_adapt()
        self.b = backend
        self.Read, self.Write = make_models(backend, suffix=type(self).__name__)

    def close(self):
        self.b.disconnect()

    def _new(self, n):
        W = self.Write
        return [W(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in schema.rows(n)]

    def _transaction(self):
        return self.Write.transaction()

    def w_save(self, n):
        records = self._new(n)
        def go():
            with self._transaction():
                for r in records:
                    r.save()
        return _timed(go)

    def w_bulk(self, n):
        records = self._new(n)
        return _timed(lambda: self.Write.bulk_create(records))

    def w_select(self, n):
        return _timed(lambda: self.Read.query().order_by("id").limit(n).all())

    def w_lookup(self, n):
        keys = schema.keys(n)
        find = self.Read.find_one
        def go():
            for k in keys:
                find(k)
        return _timed(go)

    def w_update(self, n):
        keys = schema.keys(n)
        by_id = {r.id: r for r in self.Read.query().where("id <= ?", (schema.READ_ROWS,)).all()}
        records = [by_id[k] for k in keys]
        def go():
            with self._transaction():
                for r in records:
                    r.score = (r.score + 1) % 1000
                    r.save()
        return _timed(go)


class CoreFloor(System):
    """The core's own cost on top of raw psycopg: raw psycopg time for the statements, plus the
    model layer driven by a backend whose ``execute`` returns canned results (no I/O, none of
    our backend's code on the statement path)."""

    name = "core floor"
    workloads = ("save", "bulk", "select", "lookup", "update")

    def __init__(self, config, raw: RawPsycopg, real_backend):
        from rhosocial.activerecord.backend.impl.postgres import PostgresBackend
        from rhosocial.activerecord.backend.result import QueryResult

        floor = self

        class NullBackend(PostgresBackend):
            def execute(self, sql, params=None, *, options=None):
                return QueryResult(data=floor.canned, affected_rows=1, duration=0.0)

            def bulk_insert(self, options):
                return QueryResult(data=floor.canned, affected_rows=len(options.rows), duration=0.0)

            def transaction(self):
                return contextlib.nullcontext()

            @property
            def in_transaction(self):
                return False

        self.raw = raw
        self.b = NullBackend(connection_config=config, logging_config=QUIET)
        self.b._dialect = real_backend.dialect
        self.b._server_version = real_backend._server_version
        self.Read, self.Write = make_models(self.b, suffix="Floor")
        self.canned: Any = [{"id": 1}]
        rows = real_backend.fetch_all(SELECT_N, (schema.READ_ROWS,))
        self.rows = rows

    def w_save(self, n):
        raw = self.raw.w_save(n)
        W = self.Write
        records = [W(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in schema.rows(n)]
        self.canned = [{"id": 1}]
        def go():
            for r in records:  # transaction control is not part of the core's own cost here
                r.save()
        return raw + _timed(go)

    def w_bulk(self, n):
        """Raw COPY of the rows (the fastest raw insert) plus the core's bulk_create with the
        ids handed back canned: no backend on this core can do a bulk_create faster."""
        raw = self.raw.w_bulk(n)
        W = self.Write
        records = [W(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in schema.rows(n)]
        self.canned = [{"id": i + 1} for i in range(n)]
        return raw + _timed(lambda: W.bulk_create(records))

    def w_select(self, n):
        raw = self.raw.w_select(n)
        self.canned = self.rows[:n]
        return raw + _timed(lambda: self.Read.query().order_by("id").limit(n).all())

    def w_lookup(self, n):
        raw = self.raw.w_lookup(n)
        keys = schema.keys(n)
        find = self.Read.find_one
        def go():
            for k in keys:
                self.canned = [self.rows[k - 1]]
                find(k)
        return raw + _timed(go)

    def w_update(self, n):
        raw = self.raw.w_update(n)
        records = [self.Read.create_from_database(self.rows[k - 1]) for k in schema.keys(n)]
        self.canned = []
        def go():
            for r in records:
                r.score = (r.score + 1) % 1000
                r.save()
        return raw + _timed(go)



class CoreOnRawPsycopg(OursModels):
    """The core's model layer on the thinnest backend possible: ``execute`` is raw psycopg
    (one cursor, dict rows, a dict dumper for jsonb) and nothing of ours runs, neither
    execute nor the write path (the core's own insert/update are used).

    Unlike ``CoreFloor`` (the core's Python work and the raw statements timed in separate
    loops, then added), the statements run in the same loop as the model code, so this floor
    pays what any real backend pays for interleaving them: on this 2-core machine the
    model code runs measurably slower after each round trip (caches and the CPU were the
    server's meanwhile)."""

    name = "core on raw psycopg"
    workloads = ("save", "select", "lookup", "update")  # the workloads of OursModels, on this backend

    def __init__(self, config, conninfo, real_backend):  # replaces OursModels.__init__ (no backend of ours)
        from psycopg.types.json import JsonbDumper
        from rhosocial.activerecord.backend.base.operations import SQLOperationsMixin
        from rhosocial.activerecord.backend.impl.postgres import PostgresBackend
        from rhosocial.activerecord.backend.result import QueryResult

        self.conn = conn = psycopg.connect(**conninfo, autocommit=True)
        conn.adapters.register_dumper(dict, JsonbDumper)
        cursor = conn.cursor(row_factory=dict_row)
        idle = psycopg.pq.TransactionStatus.IDLE

        class RawBackend(PostgresBackend):
            insert = SQLOperationsMixin.insert
            update = SQLOperationsMixin.update

            def execute(self, sql, params=None, *, options=None):
                cursor.execute(sql, params)
                data = cursor.fetchall() if cursor.description is not None else None
                return QueryResult(data=data, affected_rows=cursor.rowcount, duration=0.0)

            @property
            def in_transaction(self):
                return conn.info.transaction_status != idle

        self.b = RawBackend(connection_config=config, logging_config=QUIET)
        self.b._dialect = real_backend.dialect
        self.b._server_version = real_backend._server_version
        self.Read, self.Write = make_models(self.b, suffix="OnRaw")

    def close(self):
        self.conn.close()

    def _transaction(self):
        # psycopg's own transaction: the core's would go through our transaction manager
        return self.conn.transaction()


class SQLAlchemyORM(System):
    name = "SQLAlchemy ORM"
    workloads = ("save", "bulk", "select", "lookup", "update")

    def __init__(self, url):
        from sqlalchemy import create_engine

        from .sa_models import Read, Write

        self.engine = create_engine(url, pool_size=1)
        self.Read, self.Write = Read, Write

    def close(self):
        self.engine.dispose()

    def _session(self):
        from sqlalchemy.orm import Session

        return Session(self.engine, expire_on_commit=False)

    def w_save(self, n):
        data = schema.rows(n)
        W = self.Write
        records = [W(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in data]
        def go():
            with self._session() as s, s.begin():
                for r in records:
                    s.add(r)
                    s.flush()
        return _timed(go)

    def w_bulk(self, n):
        from sqlalchemy import insert

        data = [dict(zip(schema.COLUMNS, r)) for r in schema.rows(n)]
        def go():
            with self._session() as s, s.begin():
                s.execute(insert(self.Write), data)
        return _timed(go)

    def w_select(self, n):
        from sqlalchemy import select

        def go():
            with self._session() as s:
                return s.scalars(select(self.Read).order_by(self.Read.id).limit(n)).all()
        return _timed(go)

    def w_lookup(self, n):
        from sqlalchemy import select

        keys = schema.keys(n)
        R = self.Read
        def go():
            with self._session() as s:
                for k in keys:
                    s.execute(select(R).where(R.id == k)).scalar_one()
                    s.expunge_all()
        return _timed(go)

    def w_update(self, n):
        from sqlalchemy import select

        keys = schema.keys(n)
        s = self._session()
        by_id = {r.id: r for r in s.scalars(select(self.Read)).all()}
        records = [by_id[k] for k in keys]
        s.commit()
        def go():
            with s.begin():
                for r in records:
                    r.score = (r.score + 1) % 1000
                    s.flush()
        try:
            return _timed(go)
        finally:
            s.close()
