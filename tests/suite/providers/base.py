"""What every provider shares: one backend per fixture, shared by the models it sets up."""

from __future__ import annotations

from typing import List, Sequence, Tuple

from . import schema
from .scenarios import get_config, get_enabled_scenarios


def backend_classes():
    from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend

    return PostgresBackend, AsyncPostgresBackend


def _attach(model, backend, config, backend_class):
    model.__connection_config__ = config
    model.__backend_class__ = backend_class
    model.__backend__ = backend
    if getattr(model, "_dummy_backend", None) is not None:
        model._dummy_backend = None


class SyncProviderBase:
    """A provider instance serves one fixture: setup_* calls, then cleanup_after_test()."""

    def __init__(self):
        self._backend = None
        self._extra_backends: List = []

    def get_test_scenarios(self) -> List[str]:
        return get_enabled_scenarios()

    def _shared_backend(self):
        if self._backend is None:
            sync_cls, _ = backend_classes()
            self._backend = sync_cls(connection_config=get_config())
            self._backend.introspect_and_adapt()
        return self._backend

    def _setup(self, scenario: str, file: str, pairs: Sequence[Tuple[type, str]], extra_sql=None):
        """Create/empty the tables, then bind every model of ``pairs`` to this fixture's backend."""
        schema.ensure(file, [t for _, t in pairs], extra_sql)
        sync_cls, _ = backend_classes()
        backend = self._shared_backend()
        for model, _ in pairs:
            _attach(model, backend, get_config(), sync_cls)
        models = tuple(m for m, _ in pairs)
        return models[0] if len(models) == 1 else models

    def new_backend(self, **overrides):
        sync_cls, _ = backend_classes()
        backend = sync_cls(connection_config=get_config(**overrides))
        self._extra_backends.append(backend)
        return backend

    def get_dialect(self, scenario_name: str = None):
        return self._shared_backend().dialect

    def _disconnect_all(self):
        for backend in [self._backend, *self._extra_backends]:
            if backend is None:
                continue
            try:
                if backend.in_transaction:
                    backend.transaction_manager.rollback()
            except Exception:
                pass
            try:
                backend.disconnect()
            except Exception:
                pass
        self._backend = None
        self._extra_backends.clear()

    def cleanup_after_test(self, scenario_name: str):
        self._disconnect_all()


class AsyncProviderBase:
    def __init__(self):
        self._backend = None
        self._extra_backends: List = []

    def get_test_scenarios(self) -> List[str]:
        return get_enabled_scenarios()

    async def _shared_backend(self):
        if self._backend is None:
            _, async_cls = backend_classes()
            self._backend = async_cls(connection_config=get_config())
            await self._backend.introspect_and_adapt()
        return self._backend

    async def _setup(self, scenario: str, file: str, pairs: Sequence[Tuple[type, str]], extra_sql=None):
        schema.ensure(file, [t for _, t in pairs], extra_sql)
        _, async_cls = backend_classes()
        backend = await self._shared_backend()
        for model, _ in pairs:
            _attach(model, backend, get_config(), async_cls)
        models = tuple(m for m, _ in pairs)
        return models[0] if len(models) == 1 else models

    def new_backend(self, **overrides):
        _, async_cls = backend_classes()
        backend = async_cls(connection_config=get_config(**overrides))
        self._extra_backends.append(backend)
        return backend

    async def get_dialect(self, scenario_name: str = None):
        return (await self._shared_backend()).dialect

    async def _disconnect_all(self):
        for backend in [self._backend, *self._extra_backends]:
            if backend is None:
                continue
            try:
                if backend.in_transaction:
                    await backend.transaction_manager.rollback()
            except Exception:
                pass
            try:
                await backend.disconnect()
            except Exception:
                pass
        self._backend = None
        self._extra_backends.clear()

    async def cleanup_after_test(self, scenario_name: str):
        await self._disconnect_all()
