"""The provider registry the suite loads through TESTSUITE_PROVIDER_REGISTRY
(``tests.suite.providers.registry:provider_registry``, set by tests/suite/conftest.py)."""

from __future__ import annotations

import importlib

from rhosocial.activerecord.testsuite.core.registry import ProviderRegistry

provider_registry = ProviderRegistry()

# suite key -> "module:class" in this package
PROVIDERS = {
    "feature.basic.IBasicSyncProvider": "basic:BasicProvider",
    "feature.basic.IBasicAsyncProvider": "basic:AsyncBasicProvider",
    "feature.basic.connection.IBasicConnectionProvider": "connection:BasicConnectionProvider",
    "feature.basic.transaction.ITransactionBasicProvider": "connection:TransactionBasicProvider",
    "feature.query.IQuerySyncProvider": "query:QueryProvider",
    "feature.query.IQueryAsyncProvider": "query:AsyncQueryProvider",
    "feature.query.connection.IQueryConnectionProvider": "connection:QueryConnectionProvider",
    "feature.relation.IRelationSyncProvider": "relation:RelationProvider",
    "feature.relation.IRelationAsyncProvider": "relation:AsyncRelationProvider",
    "feature.events.IEventsSyncProvider": "events:EventsProvider",
    "feature.events.IEventsAsyncProvider": "events:AsyncEventsProvider",
    "feature.mixins.IMixinsSyncProvider": "mixins:MixinsProvider",
    "feature.mixins.IMixinsAsyncProvider": "mixins:AsyncMixinsProvider",
    "benchmark.crud.ICrudBenchmarkProvider": "benchmarks:CrudBenchmarkProvider",
    "benchmark.query.IQueryBenchmarkProvider": "benchmarks:QueryBenchmarkProvider",
    "benchmark.transaction.ITransactionBenchmarkProvider": "benchmarks:TransactionBenchmarkProvider",
    "benchmark.mixin.IMixinBenchmarkProvider": "benchmarks:MixinBenchmarkProvider",
    "benchmark.fastapi.IFastAPIBenchmarkProvider": "benchmarks:FastAPIBenchmarkProvider",
}

for _key, _target in PROVIDERS.items():
    _module, _cls = _target.split(":")
    provider_registry.register(_key, getattr(importlib.import_module(f"{__package__}.{_module}"), _cls))
