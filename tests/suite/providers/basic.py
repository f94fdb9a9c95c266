"""Providers of the suite's ``feature.basic`` group (sync and async)."""

from __future__ import annotations

from rhosocial.activerecord.testsuite.core.protocols import WorkerTestProtocol
from rhosocial.activerecord.testsuite.feature.basic.interfaces import IBasicAsyncProvider, IBasicSyncProvider

from .base import AsyncProviderBase, SyncProviderBase
from .worker import WorkerParamsMixin


def _m():
    from rhosocial.activerecord.testsuite.feature.basic.fixtures import models

    return models


# setup method -> (schema file, [(sync model name, async model name, table)])
PLAN = {
    "user": ("basic", [("User", "AsyncUser", "users")]),
    "type_case": ("basic", [("TypeCase", "AsyncTypeCase", "type_cases")]),
    "type_test": ("basic", [("TypeTestModel", "AsyncTypeTestModel", "type_tests")]),
    "validated_field_user": ("basic", [("ValidatedFieldUser", "AsyncValidatedFieldUser", "validated_field_users")]),
    "validated_user": ("basic", [("ValidatedUser", "AsyncValidatedUser", "validated_users")]),
    "pydantic_validated": ("basic", [("PydanticValidatedModel", "AsyncPydanticValidatedModel",
                                      "pydantic_validated_models")]),
    "mapped": ("basic_mapped", [("MappedUser", "AsyncMappedUser", "users"),
                                ("MappedPost", "AsyncMappedPost", "posts"),
                                ("MappedComment", "AsyncMappedComment", "comments")]),
    "mixed": ("basic", [("ColumnMappingModel", "AsyncColumnMappingModel", "column_mapping_items"),
                        ("MixedAnnotationModel", "AsyncMixedAnnotationModel", "mixed_annotation_items")]),
    "type_adapter": ("basic", [("TypeAdapterTest", "AsyncTypeAdapterTest", "type_adapter_tests")]),
    "bulk_user": ("basic", [("BulkUser", "AsyncBulkUser", "bulk_users")]),
    "order_item": ("basic", [("OrderItem", "AsyncOrderItem", "order_items")]),
    "order": ("basic", [("Order", "AsyncOrder", "orders")]),
    "mapped_order_item": ("basic", [("MappedOrderItem", "AsyncMappedOrderItem", "order_items")]),
    "store_inventory": ("basic", [("StoreInventory", "AsyncStoreInventory", "store_inventory")]),
    "product": ("basic", [("Product", "AsyncProduct", "product")]),
    "product_form_a": ("basic", [("ProductFormA", "AsyncProductFormA", "product")]),
    "product_with_proxy": ("basic", [("ProductWithProxy", "AsyncProductWithProxy", "product")]),
    "product_with_column_and_adapter": ("basic", [("ProductWithColumnAndAdapter",
                                                   "AsyncProductWithColumnAndAdapter", "product")]),
}

def _pairs(key: str, is_async: bool):
    file, entries = PLAN[key]
    models = _m()
    return file, [(getattr(models, a if is_async else s), t) for s, a, t in entries]


class BasicProvider(WorkerParamsMixin, SyncProviderBase, IBasicSyncProvider, WorkerTestProtocol):
    is_async = False

    def _do(self, key: str, scenario: str):
        file, pairs = _pairs(key, False)
        return self._setup(scenario, file, pairs)

    def get_yes_no_adapter(self):
        return _m().YesOrNoBooleanAdapter()

    def setup_user_model(self, scenario_name): return self._do("user", scenario_name)
    def setup_type_case_model(self, scenario_name): return self._do("type_case", scenario_name)
    def setup_type_test_model(self, scenario_name): return self._do("type_test", scenario_name)
    def setup_validated_field_user_model(self, scenario_name): return self._do("validated_field_user", scenario_name)
    def setup_validated_user_model(self, scenario_name): return self._do("validated_user", scenario_name)
    def setup_pydantic_validated_model(self, scenario_name): return self._do("pydantic_validated", scenario_name)
    def setup_mapped_models(self, scenario_name): return self._do("mapped", scenario_name)
    def setup_mixed_models(self, scenario_name): return self._do("mixed", scenario_name)
    def setup_bulk_user_model(self, scenario_name): return self._do("bulk_user", scenario_name)
    def setup_order_item_model(self, scenario_name): return self._do("order_item", scenario_name)
    def setup_order_model(self, scenario_name): return self._do("order", scenario_name)
    def setup_mapped_order_item_model(self, scenario_name): return self._do("mapped_order_item", scenario_name)
    def setup_store_inventory_model(self, scenario_name): return self._do("store_inventory", scenario_name)
    def setup_product_model(self, scenario_name): return self._do("product", scenario_name)
    def setup_product_form_a_model(self, scenario_name): return self._do("product_form_a", scenario_name)
    def setup_product_with_proxy_model(self, scenario_name): return self._do("product_with_proxy", scenario_name)

    def setup_product_with_column_and_adapter_model(self, scenario_name):
        return self._do("product_with_column_and_adapter", scenario_name)

    def setup_type_adapter_model_and_schema(self, scenario_name: str = "postgres"):
        return self._do("type_adapter", scenario_name)


class AsyncBasicProvider(WorkerParamsMixin, AsyncProviderBase, IBasicAsyncProvider, WorkerTestProtocol):
    is_async = True

    async def _do(self, key: str, scenario: str):
        file, pairs = _pairs(key, True)
        return await self._setup(scenario, file, pairs)

    def get_yes_no_adapter(self):
        return _m().YesOrNoBooleanAdapter()

    async def setup_user_model(self, scenario_name): return await self._do("user", scenario_name)
    async def setup_type_case_model(self, scenario_name): return await self._do("type_case", scenario_name)
    async def setup_type_test_model(self, scenario_name): return await self._do("type_test", scenario_name)
    async def setup_validated_field_user_model(self, scenario_name):
        return await self._do("validated_field_user", scenario_name)
    async def setup_validated_user_model(self, scenario_name): return await self._do("validated_user", scenario_name)
    async def setup_pydantic_validated_model(self, scenario_name):
        return await self._do("pydantic_validated", scenario_name)
    async def setup_mapped_models(self, scenario_name): return await self._do("mapped", scenario_name)
    async def setup_mixed_models(self, scenario_name): return await self._do("mixed", scenario_name)
    async def setup_bulk_user_model(self, scenario_name): return await self._do("bulk_user", scenario_name)
    async def setup_order_item_model(self, scenario_name): return await self._do("order_item", scenario_name)
    async def setup_order_model(self, scenario_name): return await self._do("order", scenario_name)
    async def setup_mapped_order_item_model(self, scenario_name):
        return await self._do("mapped_order_item", scenario_name)
    async def setup_store_inventory_model(self, scenario_name): return await self._do("store_inventory", scenario_name)
    async def setup_product_model(self, scenario_name): return await self._do("product", scenario_name)
    async def setup_product_form_a_model(self, scenario_name): return await self._do("product_form_a", scenario_name)
    async def setup_product_with_proxy_model(self, scenario_name):
        return await self._do("product_with_proxy", scenario_name)

    async def setup_product_with_column_and_adapter_model(self, scenario_name):
        return await self._do("product_with_column_and_adapter", scenario_name)

    async def setup_type_adapter_model_and_schema(self, scenario_name: str = "postgres"):
        return await self._do("type_adapter", scenario_name)
