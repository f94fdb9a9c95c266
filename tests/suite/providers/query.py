"""Providers of the suite's ``feature.query`` group (sync and async)."""

from __future__ import annotations

import importlib

from rhosocial.activerecord.testsuite.core.protocols import WorkerTestProtocol
from rhosocial.activerecord.testsuite.feature.query.interfaces import IQueryAsyncProvider, IQuerySyncProvider

from .base import AsyncProviderBase, SyncProviderBase
from .json_text import attach
from .worker import WorkerParamsMixin

F = "rhosocial.activerecord.testsuite.feature.query.fixtures."
B = "rhosocial.activerecord.testsuite.feature.basic.fixtures."

# fixture set -> (schema file, [(sync "module:Class", async "module:Class", table)])
PLAN = {
    "order": ("query", [("models:User", "async_models:AsyncUser", "users"),
                        ("models:Order", "async_models:AsyncOrder", "orders"),
                        ("models:OrderItem", "async_models:AsyncOrderItem", "order_items")]),
    "blog": ("query", [("models:User", "async_models:AsyncUser", "users"),
                       ("models:Post", "async_models:AsyncPost", "posts"),
                       ("models:Comment", "async_models:AsyncComment", "comments")]),
    "json_user": ("query", [("models:JsonUser", "async_json_models:AsyncJsonUser", "json_users")]),
    "tree": ("query", [("cte_models:Node", "async_cte_models:AsyncNode", "nodes")]),
    "extended_order": ("query", [("extended_models:User", "async_extended_models:AsyncUser", "users"),
                                 ("extended_models:ExtendedOrder", "async_extended_models:AsyncExtendedOrder",
                                  "extended_orders"),
                                 ("extended_models:ExtendedOrderItem",
                                  "async_extended_models:AsyncExtendedOrderItem", "extended_order_items")]),
    "combined": ("query", [("models:User", "async_models:AsyncUser", "users"),
                           ("models:Order", "async_models:AsyncOrder", "orders"),
                           ("models:OrderItem", "async_models:AsyncOrderItem", "order_items"),
                           ("models:Post", "async_models:AsyncPost", "posts"),
                           ("models:Comment", "async_models:AsyncComment", "comments")]),
    "annotated": ("query", [("annotated_adapter_models:SearchableItem",
                             "async_annotated_adapter_models:AsyncSearchableItem", "searchable_items")]),
    "mapped": ("query_mapped", [("models:MappedUser", "models:AsyncMappedUser", "users"),
                                ("models:MappedPost", "models:AsyncMappedPost", "posts"),
                                ("models:MappedComment", "models:AsyncMappedComment", "comments")]),
    "profile": ("query", [("models:User", "async_models:AsyncUser", "users"),
                          ("models:Profile", "async_models:AsyncProfile", "profiles")]),
}


def _load(spec: str, base: str = F):
    module, cls = spec.split(":")
    return getattr(importlib.import_module(base + module), cls)


JSON_TEXT_FIELDS = ["settings", "tags", "profile", "roles", "scores", "subscription", "preferences"]


def _pairs(key: str, is_async: bool):
    file, entries = PLAN[key]
    pairs = [(_load(a if is_async else s), t) for s, a, t in entries]
    for model, table in pairs:
        if table == "json_users":  # str fields over jsonb columns (see json_text.py)
            attach(model, JSON_TEXT_FIELDS)
    return file, pairs


def _as_tuple(models):
    return models if isinstance(models, tuple) else (models,)


class QueryProvider(WorkerParamsMixin, SyncProviderBase, IQuerySyncProvider, WorkerTestProtocol):
    is_async = False

    def _do(self, key, scenario):
        file, pairs = _pairs(key, False)
        return _as_tuple(self._setup(scenario, file, pairs))

    def supports_orphan_relations(self) -> bool:
        return True  # the schema has no foreign keys

    def setup_order_fixtures(self, scenario_name): return self._do("order", scenario_name)
    def setup_blog_fixtures(self, scenario_name): return self._do("blog", scenario_name)
    def setup_json_user_fixtures(self, scenario_name): return self._do("json_user", scenario_name)
    def setup_tree_fixtures(self, scenario_name): return self._do("tree", scenario_name)
    def setup_extended_order_fixtures(self, scenario_name): return self._do("extended_order", scenario_name)
    def setup_combined_fixtures(self, scenario_name): return self._do("combined", scenario_name)
    def setup_annotated_query_fixtures(self, scenario_name): return self._do("annotated", scenario_name)
    def setup_mapped_models(self, scenario_name): return self._do("mapped", scenario_name)
    def setup_profile_fixtures(self, scenario_name): return self._do("profile", scenario_name)

    def setup_order_item_model(self, scenario_name):
        # the composite-primary-key OrderItem of the basic fixtures
        return self._setup(scenario_name, "basic", [(_load("models:OrderItem", B), "order_items")])


class AsyncQueryProvider(WorkerParamsMixin, AsyncProviderBase, IQueryAsyncProvider, WorkerTestProtocol):
    is_async = True

    async def _do(self, key, scenario):
        file, pairs = _pairs(key, True)
        return _as_tuple(await self._setup(scenario, file, pairs))

    def supports_orphan_relations(self) -> bool:
        return True

    async def setup_order_fixtures(self, scenario_name): return await self._do("order", scenario_name)
    async def setup_blog_fixtures(self, scenario_name): return await self._do("blog", scenario_name)
    async def setup_json_user_fixtures(self, scenario_name): return await self._do("json_user", scenario_name)
    async def setup_tree_fixtures(self, scenario_name): return await self._do("tree", scenario_name)
    async def setup_extended_order_fixtures(self, scenario_name):
        return await self._do("extended_order", scenario_name)
    async def setup_combined_fixtures(self, scenario_name): return await self._do("combined", scenario_name)
    async def setup_annotated_query_fixtures(self, scenario_name): return await self._do("annotated", scenario_name)
    async def setup_mapped_models(self, scenario_name): return await self._do("mapped", scenario_name)
    async def setup_profile_fixtures(self, scenario_name): return await self._do("profile", scenario_name)

    async def setup_order_item_model(self, scenario_name):
        return await self._setup(scenario_name, "basic", [(_load("models:AsyncOrderItem", B), "order_items")])
