"""The asynchronous systems measured in-process: raw psycopg async, our backend (API and
models), asyncpg, SQLAlchemy 2 async."""

from __future__ import annotations

import asyncio
import time

import psycopg
from psycopg.rows import dict_row

from . import schema
from .models import QUIET, make_models
from .systems_base import (
    SELECT_KEY,
    SELECT_N,
    System,
)


class AsyncSystem(System):
    is_async = True

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self, workload, n):
        return self.loop.run_until_complete(getattr(self, "w_" + workload)(n))


async def _atimed(coro_fn):
    start = time.perf_counter()
    await coro_fn()
    return time.perf_counter() - start


async def _ten_by_hundred(lookup):
    keys = schema.keys(1000)
    async def task(part):
        for k in part:
            await lookup(k)
    await asyncio.gather(*(task(keys[i::10]) for i in range(10)))


class AsyncRawPsycopg(AsyncSystem):
    name = "psycopg async"
    workloads = ("select", "lookup", "pooled")

    async def open(self, conninfo):
        from psycopg_pool import AsyncConnectionPool

        self.conn = await psycopg.AsyncConnection.connect(**conninfo, autocommit=True)
        self.pool = AsyncConnectionPool(kwargs={**conninfo, "autocommit": True}, min_size=10, max_size=10, open=False)
        await self.pool.open(wait=True)
        return self

    def close(self):
        self.loop.run_until_complete(self.conn.close())
        self.loop.run_until_complete(self.pool.close())

    async def w_select(self, n):
        async def go():
            async with self.conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(SELECT_N, (n,))
                await cur.fetchall()
        return await _atimed(go)

    async def w_lookup(self, n):
        keys = schema.keys(n)
        async def go():
            async with self.conn.cursor(row_factory=dict_row) as cur:
                for k in keys:
                    await cur.execute(SELECT_KEY, (k,))
                    await cur.fetchone()
        return await _atimed(go)

    async def w_pooled(self, n):
        async def lookup(k):
            async with self.pool.connection() as conn:
                cur = conn.cursor(row_factory=dict_row)
                await cur.execute(SELECT_KEY, (k,))
                await cur.fetchone()
        return await _atimed(lambda: _ten_by_hundred(lookup))


class AsyncOurs(AsyncSystem):
    name = "ours async (API)"
    workloads = ("select", "lookup", "pooled")

    async def open(self, config_kwargs):
        from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresConnectionConfig

        self.b = AsyncPostgresBackend(connection_config=PostgresConnectionConfig(**config_kwargs), logging_config=QUIET)
        await self.b.connect()
        await self.b.introspect_and_adapt()
        self.pooled = AsyncPostgresBackend(
            connection_config=PostgresConnectionConfig(**config_kwargs, pool_min_size=10, pool_max_size=10),
            logging_config=QUIET)
        await self.pooled.connect()
        await self.pooled.introspect_and_adapt()
        return self

    def close(self):
        self.loop.run_until_complete(self.b.disconnect())
        self.loop.run_until_complete(self.pooled.disconnect())

    async def w_select(self, n):
        return await _atimed(lambda: self.b.fetch_all(SELECT_N, (n,)))

    async def w_lookup(self, n):
        keys = schema.keys(n)
        async def go():
            for k in keys:
                await self.b.fetch_one(SELECT_KEY, (k,))
        return await _atimed(go)

    async def w_pooled(self, n):
        return await _atimed(lambda: _ten_by_hundred(lambda k: self.pooled.fetch_one(SELECT_KEY, (k,))))


class AsyncOursModels(AsyncSystem):
    name = "ours async (models)"
    workloads = ("select", "lookup")

    async def open(self, backend):
        self.Read, _ = make_models(backend, is_async=True, suffix="Async")
        return self

    async def w_select(self, n):
        return await _atimed(lambda: self.Read.query().order_by("id").limit(n).all())

    async def w_lookup(self, n):
        keys = schema.keys(n)
        async def go():
            for k in keys:
                await self.Read.find_one(k)
        return await _atimed(go)


class AsyncPG(AsyncSystem):
    name = "asyncpg"
    workloads = ("select", "lookup", "pooled")

    async def open(self, conninfo):
        import asyncpg

        kw = dict(host=conninfo["host"], port=conninfo["port"], user=conninfo["user"],
                  password=conninfo["password"], database=conninfo["dbname"])
        self.conn = await asyncpg.connect(**kw)
        self.pool = await asyncpg.create_pool(**kw, min_size=10, max_size=10)
        self.sel_n = SELECT_N.replace("%s", "$1")
        self.sel_k = SELECT_KEY.replace("%s", "$1")
        return self

    def close(self):
        self.loop.run_until_complete(self.conn.close())
        self.loop.run_until_complete(self.pool.close())

    async def w_select(self, n):
        async def go():
            [dict(r) for r in await self.conn.fetch(self.sel_n, n)]
        return await _atimed(go)

    async def w_lookup(self, n):
        keys = schema.keys(n)
        async def go():
            for k in keys:
                dict(await self.conn.fetchrow(self.sel_k, k))
        return await _atimed(go)

    async def w_pooled(self, n):
        async def lookup(k):
            async with self.pool.acquire() as conn:
                dict(await conn.fetchrow(self.sel_k, k))
        return await _atimed(lambda: _ten_by_hundred(lookup))


class AsyncSQLAlchemy(AsyncSystem):
    name = "SQLAlchemy async ORM"
    workloads = ("select", "lookup", "pooled")

    async def open(self, url):
        from sqlalchemy.ext.asyncio import create_async_engine

        from .sa_models import Read

        self.engine = create_async_engine(url, pool_size=10, max_overflow=0)
        self.Read = Read
        return self

    def close(self):
        self.loop.run_until_complete(self.engine.dispose())

    def _session(self):
        from sqlalchemy.ext.asyncio import AsyncSession

        return AsyncSession(self.engine, expire_on_commit=False)

    async def w_select(self, n):
        from sqlalchemy import select

        async def go():
            async with self._session() as s:
                (await s.scalars(select(self.Read).order_by(self.Read.id).limit(n))).all()
        return await _atimed(go)

    async def w_lookup(self, n):
        from sqlalchemy import select

        keys = schema.keys(n)
        R = self.Read
        async def go():
            async with self._session() as s:
                for k in keys:
                    (await s.execute(select(R).where(R.id == k))).scalar_one()
                    s.expunge_all()
        return await _atimed(go)

    async def w_pooled(self, n):
        from sqlalchemy import select

        R = self.Read
        async def lookup(k):
            async with self._session() as s:
                (await s.execute(select(R).where(R.id == k))).scalar_one()
        return await _atimed(lambda: _ten_by_hundred(lookup))
