"""Providers for the connection-pool groups: basic.connection, basic.transaction, query.connection.

Each fixture gets a BackendPool of PostgresBackend / AsyncPostgresBackend and a model bound to a
backend of its own (the tests check that pool contexts take precedence over it).
"""

from __future__ import annotations

from typing import List, Optional, Tuple, Type

from rhosocial.activerecord.connection.pool import AsyncBackendPool, BackendPool, PoolConfig
from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord
from rhosocial.activerecord.testsuite.feature.basic.connection.interfaces import IBasicConnectionProvider
from rhosocial.activerecord.testsuite.feature.basic.transaction.interfaces import ITransactionBasicProvider
from rhosocial.activerecord.testsuite.feature.query.connection.interfaces import IQueryConnectionProvider

from . import schema
from .base import backend_classes
from .scenarios import get_config, get_enabled_scenarios


class PoolTestUser(ActiveRecord):
    __table_name__ = "test_users"
    id: Optional[int] = None
    name: str
    email: str


class AsyncPoolTestUser(AsyncActiveRecord):
    __table_name__ = "test_users"
    id: Optional[int] = None
    name: str
    email: str


class _PoolProvider:
    def __init__(self):
        self._models_backends: List = []

    def get_test_scenarios(self) -> list:
        return get_enabled_scenarios()

    def setup_sync_pool_and_model(self, scenario_name: str) -> Tuple[BackendPool, Type[ActiveRecord]]:
        schema.ensure("connection", ["test_users"])
        sync_cls, _ = backend_classes()
        config = get_config()
        pool = BackendPool.create(PoolConfig(min_size=1, max_size=5,
                                             backend_factory=lambda: sync_cls(connection_config=config)))
        PoolTestUser.configure(config, sync_cls)
        self._models_backends.append(PoolTestUser.__backend__)
        return pool, PoolTestUser

    async def setup_async_pool_and_model(self, scenario_name: str) -> Tuple[AsyncBackendPool, Type[AsyncActiveRecord]]:
        schema.ensure("connection", ["test_users"])
        _, async_cls = backend_classes()
        config = get_config()
        pool = await AsyncBackendPool.create(PoolConfig(min_size=1, max_size=5,
                                                        backend_factory=lambda: async_cls(connection_config=config)))
        await AsyncPoolTestUser.configure(config, async_cls)
        self._models_backends.append(AsyncPoolTestUser.__backend__)
        return pool, AsyncPoolTestUser

    def setup_sync_pool_for_crud(self, scenario_name: str):
        return self.setup_sync_pool_and_model(scenario_name)

    async def setup_async_pool_for_crud(self, scenario_name: str):
        return await self.setup_async_pool_and_model(scenario_name)

    def cleanup_sync(self, scenario_name: str, pool: BackendPool):
        try:
            pool.close(timeout=2.0)
        finally:
            for backend in self._models_backends:
                try:
                    backend.disconnect()
                except Exception:
                    pass
            self._models_backends.clear()

    async def cleanup_async(self, scenario_name: str, pool: AsyncBackendPool):
        try:
            await pool.close(timeout=2.0)
        finally:
            for backend in self._models_backends:
                try:
                    await backend.disconnect()
                except Exception:
                    pass
            self._models_backends.clear()


class BasicConnectionProvider(_PoolProvider, IBasicConnectionProvider):
    pass


class TransactionBasicProvider(_PoolProvider, ITransactionBasicProvider):
    pass


class QueryConnectionProvider(_PoolProvider, IQueryConnectionProvider):
    pass
