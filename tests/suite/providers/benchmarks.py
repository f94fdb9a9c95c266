"""Providers of the suite's benchmarks (crud, query, transaction, mixin, fastapi).

All of them use the suite's BenchmarkUser model on table ``benchmark_users``
(schema/benchmark.sql), seeded with the suite's deterministic payloads in one round trip.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import List

from rhosocial.activerecord.testsuite.benchmark.crud.fixtures import models as M
from rhosocial.activerecord.testsuite.benchmark.crud.fixtures.data import make_user_payloads, payload_count_for_size
from rhosocial.activerecord.testsuite.benchmark.crud.interfaces import CrudBenchmarkContext
from rhosocial.activerecord.testsuite.benchmark.fastapi.interfaces import (
    FASTAPI_CONNECTION_STRATEGIES,
    FASTAPI_CONTEXT_STRATEGY,
    FASTAPI_RUNTIME_CONFIGS,
    FastAPIBenchmarkContext,
)
from rhosocial.activerecord.testsuite.benchmark.mixin.interfaces import MixinBenchmarkContext
from rhosocial.activerecord.testsuite.benchmark.query.interfaces import QueryBenchmarkContext
from rhosocial.activerecord.testsuite.benchmark.transaction.interfaces import TransactionBenchmarkContext

from . import schema
from .base import AsyncProviderBase, SyncProviderBase, backend_classes
from .scenarios import get_config, get_enabled_scenarios

NAMESPACE = "rhosocial.activerecord.backend.impl.postgres"
COLUMNS = ("username", "email", "age", "balance", "notes", "is_active")


def _seed(size: str):
    """(payloads, ids): the table is emptied and filled with the suite's payloads for ``size``."""
    schema.ensure("benchmark", ["benchmark_users"])
    payloads = make_user_payloads(payload_count_for_size(size))
    conn = schema._connection()
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO benchmark_users (username, email, age, balance, notes, is_active, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, now(), now()) RETURNING id",
            [tuple(p[c] for c in COLUMNS) for p in payloads], returning=True)
        ids: List[int] = []
        while True:
            ids.append(cur.fetchone()[0])
            if not cur.nextset():
                break
    return payloads, ids


class _SyncBench(SyncProviderBase):
    context_class = CrudBenchmarkContext

    def get_benchmark_scenarios(self):
        return get_enabled_scenarios()

    def setup_benchmark_sync(self, scenario: str, size: str):
        payloads, ids = _seed(size)
        model = self._bind(M.BenchmarkUser)
        return self.context_class(scenario=scenario, size=size, model_class=model, payloads=payloads,
                                  record_ids=ids, backend_namespace=NAMESPACE, backend_name="postgres")

    def _bind(self, model):
        from .base import _attach

        sync_cls, _ = backend_classes()
        _attach(model, self._shared_backend(), get_config(), sync_cls)
        return model

    def teardown_benchmark_sync(self, scenario: str, context) -> None:
        self._disconnect_all()


class _AsyncBench(AsyncProviderBase):
    context_class = CrudBenchmarkContext

    def get_benchmark_scenarios(self):
        return get_enabled_scenarios()

    async def setup_benchmark_async(self, scenario: str, size: str):
        from .base import _attach

        payloads, ids = _seed(size)
        _, async_cls = backend_classes()
        _attach(M.AsyncBenchmarkUser, await self._shared_backend(), get_config(), async_cls)
        return self.context_class(scenario=scenario, size=size, model_class=M.AsyncBenchmarkUser,
                                  payloads=payloads, record_ids=ids, backend_namespace=NAMESPACE,
                                  backend_name="postgres")

    async def teardown_benchmark_async(self, scenario: str, context) -> None:
        await self._disconnect_all()


def _make(name, context_class):
    sync_part = type(f"_Sync{name}", (_SyncBench,), {"context_class": context_class})
    async_part = type(f"_Async{name}", (_AsyncBench,), {"context_class": context_class})

    class Provider:
        """Sync and async halves share nothing but the table; each fixture gets a fresh instance."""

        def __init__(self):
            self._sync = sync_part()
            self._async = async_part()

        def get_benchmark_scenarios(self):
            return get_enabled_scenarios()

        def setup_benchmark_sync(self, scenario, size):
            return self._sync.setup_benchmark_sync(scenario, size)

        def teardown_benchmark_sync(self, scenario, context):
            self._sync.teardown_benchmark_sync(scenario, context)

        async def setup_benchmark_async(self, scenario, size):
            return await self._async.setup_benchmark_async(scenario, size)

        async def teardown_benchmark_async(self, scenario, context):
            await self._async.teardown_benchmark_async(scenario, context)

    Provider.__name__ = Provider.__qualname__ = name
    return Provider


CrudBenchmarkProvider = _make("CrudBenchmarkProvider", CrudBenchmarkContext)
QueryBenchmarkProvider = _make("QueryBenchmarkProvider", QueryBenchmarkContext)
TransactionBenchmarkProvider = _make("TransactionBenchmarkProvider", TransactionBenchmarkContext)
MixinBenchmarkProvider = _make("MixinBenchmarkProvider", MixinBenchmarkContext)


class FastAPIBenchmarkProvider:
    """An ASGI app of the suite over AsyncBenchmarkUser, driven by httpx in process.

    Strategies: ``context`` opens a backend per request (``backend.context()``); the ``pool-*``
    ones borrow from an AsyncBackendPool sized as the suite's FASTAPI_RUNTIME_CONFIGS say.
    """

    def __init__(self):
        self._bench = _AsyncBench()
        self._pools = []
        self._clients = []

    def get_benchmark_scenarios(self):
        return get_enabled_scenarios()

    def get_connection_strategies(self):
        return list(FASTAPI_CONNECTION_STRATEGIES)

    async def setup_benchmark_async(self, scenario: str, size: str, connection_strategy: str = "context"):
        import httpx
        from rhosocial.activerecord.connection.pool import AsyncBackendPool, PoolConfig
        from rhosocial.activerecord.testsuite.benchmark.fastapi.app import create_fastapi_benchmark_app

        base = await self._bench.setup_benchmark_async(scenario, size)
        runtime = FASTAPI_RUNTIME_CONFIGS[connection_strategy]
        _, async_cls = backend_classes()
        config = get_config()
        pool = pool_config = None
        if connection_strategy == FASTAPI_CONTEXT_STRATEGY:
            @asynccontextmanager
            async def factory():
                backend = async_cls(connection_config=config)
                async with backend.context():
                    yield backend
        else:
            pool_config = PoolConfig(min_size=runtime["pool_min_size"], max_size=runtime["pool_max_size"],
                                     connection_mode="auto",
                                     backend_factory=lambda: async_cls(connection_config=config))
            pool = await AsyncBackendPool.create(pool_config)
            self._pools.append(pool)
            factory = pool.connection
        app = create_fastapi_benchmark_app(model_class=base.model_class, backend_context_factory=factory,
                                           backend_name="postgres", scenario=scenario)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self._clients.append(client)
        return FastAPIBenchmarkContext(
            scenario=scenario, size=size, app=app, client=client, model_class=base.model_class,
            payloads=base.payloads, record_ids=base.record_ids, backend_namespace=NAMESPACE,
            backend_name="postgres", connection_strategy=connection_strategy,
            concurrency=runtime["concurrency"], repeat=runtime["repeat"],
            pool_config=({"min_size": pool_config.min_size, "max_size": pool_config.max_size,
                          "connection_mode": pool_config.connection_mode} if pool_config else None),
            pool_connection_mode=pool.connection_mode if pool else None,
            pool_stats=pool.get_stats if pool else None)

    async def teardown_benchmark_async(self, scenario: str, context) -> None:
        for client in self._clients:
            try:
                await client.aclose()
            except Exception:
                pass
        self._clients.clear()
        for pool in self._pools:
            try:
                await pool.close(force=True)
            except Exception:
                pass
        self._pools.clear()
        await self._bench.teardown_benchmark_async(scenario, context)
