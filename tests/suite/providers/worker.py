"""WorkerTestProtocol: what the suite's worker processes need to reach our database."""

from __future__ import annotations

from . import schema
from .scenarios import conn_kwargs

# fixture_type -> (schema file, table)
_FIXTURE_TABLES = {
    "user": ("basic", "users"),
    "async_user": ("basic", "users"),
    "order": ("query", "orders"),
    "async_order": ("query", "orders"),
}
# table -> schema file, for get_worker_schema_sql
_TABLE_FILES = {"users": "basic", "orders": "query", "order_items": "query", "posts": "query",
                "comments": "query", "type_cases": "basic", "bulk_users": "basic"}


class WorkerParamsMixin:
    is_async = False

    def get_worker_connection_params(self, scenario_name: str, fixture_type: str = None) -> dict:
        use_async = self.is_async or (fixture_type or "").startswith("async_")
        params = {
            "backend_module": "rhosocial.activerecord.backend.impl.postgres",
            "backend_class_name": "AsyncPostgresBackend" if use_async else "PostgresBackend",
            "config_class_module": "rhosocial.activerecord.backend.impl.postgres",
            "config_class_name": "PostgresConnectionConfig",
            "config_kwargs": conn_kwargs(),
        }
        if fixture_type in _FIXTURE_TABLES:
            file, table = _FIXTURE_TABLES[fixture_type]
            params["schema_sql"] = schema.ddl(file, table)
        return params

    def get_worker_schema_sql(self, scenario_name: str, table_name: str) -> str:
        return schema.ddl(_TABLE_FILES.get(table_name, "query"), table_name)
