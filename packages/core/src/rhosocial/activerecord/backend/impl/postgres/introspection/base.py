"""PostgresIntrospectorMixin: the I/O-free half of the PostgreSQL introspector.

The core's introspector bases (``SyncAbstractIntrospector`` /
``AsyncAbstractIntrospector``) do caching and I/O and ask their subclass for
SQL (``_build_*_sql``) and for row parsing (``_parse_*``). This mixin answers
both from our own catalogue queries (``catalog``) instead of the dialect's
generic expression formatting, so the dialect needs no introspection code.

Schema arguments: ``None`` means the session's current schema (first of
``search_path``) for lists; for one named relation (``get_table_info``,
``table_exists``, ``list_columns``, ...) the name is resolved through the whole
``search_path`` (temporary tables first, over-long names truncated to 63 bytes)
as the server resolves it. A name means that schema, ``"*"`` means every user
schema; ``""`` is refused with ``ValueError``.

Cache: the backend clears it after every statement whose command tag says the
catalogue, or what an unqualified name means, may have changed (``is_schema_change``).
Not seen there: DDL or ``set_config('search_path', ...)`` run inside a function
called from a ``SELECT``, and ``SET LOCAL`` reverting at ``COMMIT``; call
``introspector.clear_cache()`` after those (and after other sessions' DDL).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rhosocial.activerecord.backend.introspection.base import IntrospectorMixin
from rhosocial.activerecord.backend.introspection.types import (
    ColumnInfo,
    DatabaseInfo,
    ForeignKeyInfo,
    IndexInfo,
    IntrospectionScope,
    TableInfo,
    TriggerInfo,
    ViewInfo,
)

from . import catalog, parsing

__all__ = ["PostgresIntrospectorMixin", "is_schema_change"]

# First words of command tags (cursor.statusmessage) after which cached catalogue facts
# may be stale:
# - DDL proper (SECURITY = SECURITY LABEL, IMPORT = IMPORT FOREIGN SCHEMA);
# - ROLLBACK (also ROLLBACK TO SAVEPOINT), which may undo DDL seen earlier;
# - SET / RESET / DISCARD: cache keys hold names as given, and search_path (or DISCARD
#   dropping temporary tables) changes what an unqualified name means;
# - DO / CALL: their bodies may run any DDL, and report only "DO" / "CALL";
# - REFRESH (MATERIALIZED VIEW): changes is_populated and sizes.
_DDL_TAGS = frozenset({"CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "SECURITY", "IMPORT",
                       "ROLLBACK", "REINDEX", "CLUSTER", "SET", "RESET", "DISCARD", "DO", "CALL",
                       "REFRESH"})


def is_schema_change(status: Optional[str], returned_rows: bool) -> bool:
    """Whether a statement that ended with command tag ``status`` may have changed the schema.

    ``CREATE TABLE AS`` and ``SELECT INTO`` report ``SELECT n`` but return no
    rows; ``ROLLBACK`` may undo DDL seen earlier in the transaction; see
    ``_DDL_TAGS`` for the rest. A ``SELECT`` that returns rows is never one, even
    if a function it calls runs DDL: call ``clear_cache()`` after such calls.
    """
    if not status:
        return False
    word = status.split(" ", 1)[0].upper()
    if word in _DDL_TAGS:
        return True
    return word == "SELECT" and not returned_rows


class PostgresIntrospectorMixin(IntrospectorMixin):
    """SQL and parsing for every introspection call, shared by both flavours."""

    def _get_default_schema(self) -> str:
        # Used by the core only to label results; queries use current_schema().
        return "public"

    def _make_cache_key(self, scope: IntrospectionScope, *args: str, schema: Optional[str] = None,
                        extra: Optional[str] = None) -> str:
        # The core drops a falsy schema from the key, so schema="" would share the
        # entries of schema=None (current schema) while querying something else.
        catalog.check_schema(schema)
        return super()._make_cache_key(scope, *args, schema=schema, extra=extra)

    # -- the core's hooks: SQL ----------------------------------------------------
    def _build_database_info_sql(self) -> Tuple[str, Any]:
        return catalog.database_info()

    def _build_table_list_sql(self, schema: Optional[str], include_system: bool, include_views: bool = True,
                              table_type: Optional[str] = None) -> Tuple[str, Any]:
        return catalog.tables(schema, include_system, include_views, table_type)

    def _build_column_info_sql(self, table_name: str, schema: Optional[str]) -> Tuple[str, Any]:
        return catalog.columns(table_name, schema)

    def _build_index_info_sql(self, table_name: str, schema: Optional[str]) -> Tuple[str, Any]:
        return catalog.indexes(table_name, schema)

    def _build_foreign_key_sql(self, table_name: str, schema: Optional[str]) -> Tuple[str, Any]:
        return catalog.foreign_keys(table_name, schema)

    def _build_view_list_sql(self, schema: Optional[str], include_system: bool) -> Tuple[str, Any]:
        return catalog.views(schema, include_system)

    def _build_view_info_sql(self, view_name: str, schema: Optional[str]) -> Tuple[str, Any]:
        return catalog.view_info(view_name, schema)

    def _build_trigger_list_sql(self, table_name: Optional[str], schema: Optional[str]) -> Tuple[str, Any]:
        return catalog.triggers(table_name, schema)

    # -- the core's hooks: parsing --------------------------------------------------
    def _parse_database_info(self, rows: List[Dict[str, Any]]) -> DatabaseInfo:
        return parsing.parse_database_info(rows)

    def _parse_tables(self, rows: List[Dict[str, Any]], schema: Optional[str]) -> List[TableInfo]:
        return parsing.parse_tables(rows)

    def _parse_columns(self, rows: List[Dict[str, Any]], table_name: str, schema: str) -> List[ColumnInfo]:
        return parsing.parse_columns(rows, table_name, schema)

    def _parse_indexes(self, rows: List[Dict[str, Any]], table_name: str, schema: str) -> List[IndexInfo]:
        return parsing.parse_indexes(rows, table_name, schema)

    def _parse_foreign_keys(self, rows: List[Dict[str, Any]], table_name: str, schema: str) -> List[ForeignKeyInfo]:
        return parsing.parse_foreign_keys(rows, table_name, schema)

    def _parse_views(self, rows: List[Dict[str, Any]], schema: str) -> List[ViewInfo]:
        return parsing.parse_views(rows)

    def _parse_view_info(self, rows: List[Dict[str, Any]], view_name: str, schema: str) -> Optional[ViewInfo]:
        return parsing.parse_view_info(rows)

    def _parse_triggers(self, rows: List[Dict[str, Any]], schema: str) -> List[TriggerInfo]:
        return parsing.parse_triggers(rows)

    # -- cache keys of the PostgreSQL-only calls ---------------------------------------
    @staticmethod
    def _pg_key(kind: str, *parts: Any) -> str:
        # Prefixed with a core scope name so invalidate_cache(scope) clears them too.
        # None is rendered as NUL, which no identifier contains, so schema="" (refused
        # by the catalogue builders) can never be answered from schema=None's entry.
        return ":".join(["table", "pg", kind] + ["\0" if p is None else str(p) for p in parts])
