"""Introspection for the async backend: ``await backend.introspector.list_tables()``.

The core's ``AsyncAbstractIntrospector`` gives caching and the generic calls
(tables, columns, indexes, foreign keys, views, triggers); the SQL and row
parsing come from the core distribution (``introspection``). This module adds
the I/O: an executor on the backend's connection, the PostgreSQL-only calls
(databases, schemas, constraints, sequences, enums, partitions, extensions,
materialized views), and the backend mixin that creates the introspector and
drops its cache after DDL (and ``SET``, ``DO``, ``CALL``, ``REFRESH``, ...; see
``introspection.base``) run through the backend. DDL run by other sessions is
seen after the cache's TTL (``DEFAULT_CACHE_TTL``, 300 s) or ``clear_cache()``.
(The sync twin, ``sync/introspection.py``, is generated from this file.)
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

import psycopg
from rhosocial.activerecord.backend.introspection import (
    AsyncAbstractIntrospector,
    AsyncIntrospectorExecutor,
    IntrospectionQueryError,
    IntrospectorBackendMixin,
)
from rhosocial.activerecord.backend.introspection.types import IntrospectionScope, TableInfo, ViewInfo

from ..backend_base import result_columns
from ..introspection import PostgresIntrospectorMixin, catalog, is_schema_change, parsing
from ..introspection.types import (
    ConstraintInfo,
    ConstraintType,
    DatabaseEntry,
    EnumTypeInfo,
    ExtensionInfo,
    PartitioningInfo,
    SchemaInfo,
    SequenceInfo,
)

__all__ = ["AsyncPostgresIntrospector", "AsyncCatalogExecutor", "AsyncIntrospectionBackendMixin"]

logger = logging.getLogger(__name__)


class AsyncCatalogExecutor(AsyncIntrospectorExecutor):
    """Runs catalogue queries on the backend's connection; rows as dicts."""

    async def execute(self, sql: str, params: Any = None, *, optional: bool = False) -> List[Dict[str, Any]]:
        """Run one catalogue query. With ``optional=True`` a server error is logged and
        an empty list returned, inside a savepoint when a transaction is open (so the
        caller's transaction survives)."""
        try:
            async with self._backend._borrowed() as connection:  # session, pinned, or a pool loan
                if optional:
                    async with connection.transaction():
                        return await self._fetch(connection, sql, params)
                return await self._fetch(connection, sql, params)
        except psycopg.Error as exc:
            if optional:
                logger.warning("optional catalogue query failed, skipped: %s", str(exc).strip())
                return []
            raise IntrospectionQueryError(" ".join(sql.split())[:200], exc) from exc

    @staticmethod
    async def _fetch(connection: Any, sql: str, params: Any) -> List[Dict[str, Any]]:
        async with connection.cursor() as cursor:
            # Always a parameter mapping: "%%" in the catalogue SQL then means "%".
            await cursor.execute(sql, params if params is not None else {})
            names = result_columns(cursor)
            if names is None:
                return []
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]


class AsyncPostgresIntrospector(PostgresIntrospectorMixin, AsyncAbstractIntrospector):
    """The core's async introspector plus PostgreSQL's own objects. All results are cached."""

    async def _cached(self, key: str, query: Any, parse: Callable[[List[Dict[str, Any]]], Any]) -> Any:
        cached = self._get_cached(key)
        if cached is not None:
            return cached
        sql, params = query
        result = parse(await self._executor.execute(sql, params))
        self._set_cached(key, result)
        return result

    # -- the core's calls, resolved as the server resolves names ------------------------
    async def get_table_info(self, table_name: str, schema: Optional[str] = None) -> Optional[TableInfo]:
        """One relation with its columns, indexes and foreign keys; None if there is none.

        The core's version looks the name up in ``list_tables(schema)``, i.e. only in
        the current schema and by exact name; this one asks the server for that one
        relation (``catalog.table``), so a schema-less name is found wherever
        ``search_path`` finds it (temporary tables, later schemas) and an over-long
        name is truncated as in SQL, like ``list_columns`` and the other calls.
        ``table_exists`` and ``describe_table`` build on this.
        """
        if schema == "*":  # every schema, as list_tables("*"): the first that has the name
            schema = await self._schema_holding(table_name)
            if schema is None:
                return None
        key = self._make_cache_key(IntrospectionScope.TABLE, table_name, schema=schema)
        cached = self._get_cached(key)
        if cached is not None:
            return cached
        sql, params = catalog.table(table_name, schema)
        found = parsing.parse_tables(await self._executor.execute(sql, params))
        if not found:
            return None
        table = found[0]
        table.columns = await self.list_columns(table_name, schema)
        table.indexes = await self.list_indexes(table_name, schema)
        table.foreign_keys = await self.list_foreign_keys(table_name, schema)
        self._set_cached(key, table)
        return table

    async def table_exists(self, table_name: str, schema: Optional[str] = None) -> bool:
        """Whether the relation exists (resolved as in ``get_table_info``).

        Reads only its ``pg_class`` row: the details ``get_table_info`` adds are
        deparsed by functions (``pg_get_expr``, ``pg_get_indexdef``) that wait
        behind another session's ACCESS EXCLUSIVE lock on the table, and a
        migration tool asking whether a table exists must not wait for a migration.
        """
        if schema == "*":
            return await self._schema_holding(table_name) is not None
        found = await self._cached(self._pg_key("exists", schema, table_name),
                                   catalog.table(table_name, schema), parsing.parse_tables)
        return bool(found)

    async def _schema_holding(self, table_name: str) -> Optional[str]:
        """The first schema (in ``list_tables("*")`` order) with a relation ``table_name``:
        ``"*"`` is a pattern for lists, not a schema ``to_regclass`` could resolve."""
        for table in await self.list_tables("*"):
            if table.name == table_name:
                return table.schema
        return None

    # -- cluster and database -------------------------------------------------------
    async def list_databases(self, include_templates: bool = False) -> List[DatabaseEntry]:
        return await self._cached(self._pg_key("databases", include_templates),
                                  catalog.databases(include_templates), parsing.parse_databases)

    async def list_schemas(self, include_system: bool = False) -> List[SchemaInfo]:
        return await self._cached(self._pg_key("schemas", include_system),
                                  catalog.schemas(include_system), parsing.parse_schemas)

    # -- tables ---------------------------------------------------------------------
    async def list_constraints(self, table_name: str, schema: Optional[str] = None,
                               types: Optional[List[ConstraintType]] = None) -> List[ConstraintInfo]:
        """Primary key, unique, check, exclusion and foreign-key constraints of a table."""
        found = await self._cached(self._pg_key("constraints", schema, table_name),
                                   catalog.constraints(table_name, schema), parsing.parse_constraints)
        return [c for c in found if types is None or c.type in types]

    async def list_check_constraints(self, table_name: str, schema: Optional[str] = None) -> List[ConstraintInfo]:
        return await self.list_constraints(table_name, schema, [ConstraintType.CHECK])

    async def list_unique_constraints(self, table_name: str, schema: Optional[str] = None) -> List[ConstraintInfo]:
        return await self.list_constraints(table_name, schema, [ConstraintType.UNIQUE])

    async def list_exclusion_constraints(self, table_name: str,
                                         schema: Optional[str] = None) -> List[ConstraintInfo]:
        return await self.list_constraints(table_name, schema, [ConstraintType.EXCLUDE])

    async def get_partitioning(self, table_name: str, schema: Optional[str] = None) -> Optional[PartitioningInfo]:
        """Strategy, key and partitions (sub-partitions too) of a partitioned table; None otherwise."""
        key = self._pg_key("partitions", schema, table_name)
        cached = self._get_cached(key)
        if cached is not None:
            return cached
        sql, params = catalog.partitioning(table_name, schema)
        key_rows = await self._executor.execute(sql, params)
        if not key_rows:
            return None
        sql, params = catalog.partitions(table_name, schema)
        result = parsing.parse_partitioning(key_rows, await self._executor.execute(sql, params))
        self._set_cached(key, result)
        return result

    async def list_partitions(self, table_name: str, schema: Optional[str] = None) -> List[Any]:
        info = await self.get_partitioning(table_name, schema)
        return list(info.partitions) if info else []

    # -- other objects ---------------------------------------------------------------------
    async def list_materialized_views(self, schema: Optional[str] = None,
                                      include_system: bool = False) -> List[ViewInfo]:
        return await self._cached(self._pg_key("matviews", schema, include_system),
                                  catalog.views(schema, include_system, materialized=True), parsing.parse_views)

    async def list_sequences(self, schema: Optional[str] = None, include_system: bool = False) -> List[SequenceInfo]:
        return await self._cached(self._pg_key("sequences", schema, include_system),
                                  catalog.sequences(schema, include_system), parsing.parse_sequences)

    async def list_enum_types(self, schema: Optional[str] = None, include_system: bool = False) -> List[EnumTypeInfo]:
        return await self._cached(self._pg_key("enums", schema, include_system),
                                  catalog.enum_types(schema, include_system), parsing.parse_enum_types)

    async def list_extensions(self, include_available: bool = False) -> List[ExtensionInfo]:
        """Installed extensions; with ``include_available``, also those the server could install.

        The list of available extensions is best effort: some servers cannot read
        their own control files (PostgreSQL 10 builds shipping newer ones raise
        ``unrecognized parameter "trusted"``); the installed ones are then
        returned alone (``default_version`` stays None).
        """
        key = self._pg_key("extensions", include_available)
        cached = self._get_cached(key)
        if cached is not None:
            return cached
        sql, params = catalog.installed_extensions()
        installed = await self._executor.execute(sql, params)
        available = None
        if include_available:
            sql, params = catalog.available_extensions()
            available = await self._executor.execute(sql, params, optional=True)
        result = parsing.parse_extensions(installed, available)
        self._set_cached(key, result)
        return result

    async def describe_table(self, table_name: str, schema: Optional[str] = None) -> Optional[TableInfo]:
        """``get_table_info`` plus constraints, triggers and partitioning in ``extra``."""
        info = await self.get_table_info(table_name, schema)
        if info is None:
            return None
        info.extra["constraints"] = await self.list_constraints(table_name, schema)
        info.extra["triggers"] = await self.list_triggers(table_name, schema)
        if info.extra.get("is_partitioned"):
            info.extra["partitioning"] = await self.get_partitioning(table_name, schema)
        return info


class AsyncIntrospectionBackendMixin(IntrospectorBackendMixin):
    """Gives the backend ``.introspector`` and keeps its cache honest about our own DDL."""

    def _create_introspector(self) -> AsyncPostgresIntrospector:
        return AsyncPostgresIntrospector(self, AsyncCatalogExecutor(self))

    def _result(self, cursor: Any, data: Any, duration: float) -> Any:
        # Every statement of execute() ends here: a command tag such as CREATE, ALTER,
        # DROP, ROLLBACK, SET, DO or REFRESH drops the cached catalogue facts.
        introspector = self._introspector_instance
        # pgresult.nfields, not cursor.description: the latter rebuilds Column objects
        if introspector is not None and is_schema_change(
            cursor.statusmessage, cursor.pgresult is not None and cursor.pgresult.nfields > 0
        ):
            introspector.clear_cache()
        return super()._result(cursor, data, duration)
