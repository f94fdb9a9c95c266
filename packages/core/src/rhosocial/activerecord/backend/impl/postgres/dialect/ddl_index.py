"""CREATE / DROP INDEX the PostgreSQL way, with version gates.

``CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON table
[USING method] (key [opclass] [COLLATE c] [ASC|DESC] [NULLS FIRST|LAST], ...)
[INCLUDE (...)] (11) [NULLS NOT DISTINCT] (15) [WITH (...)] [TABLESPACE t] [WHERE ...]``

Keys are column names, expressions (parenthesised), or ``IndexElement`` (from
``..expressions``) for operator classes and ordering. ``DROP INDEX`` names no
table (that is MySQL's grammar); ``CONCURRENTLY`` cannot be combined with
CASCADE. Values in WHERE/expressions are inlined (see ``ddl_literals``).
"""

from __future__ import annotations

from typing import Any, List, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression.bases import ToSQLProtocol
from rhosocial.activerecord.backend.expression.core import Column

from ._host import DialectHost
from .ddl_literals import inlined
from .names import catalog_name, unqualified_name

INDEX_METHODS = ("btree", "hash", "gist", "spgist", "gin", "brin")


class PostgresIndexDDLMixin(DialectHost):
    def get_supported_index_types(self) -> List[str]:
        return [m.upper() for m in INDEX_METHODS]

    def get_supported_index_types_lower(self) -> List[str]:
        return list(INDEX_METHODS)

    def _index_key(self, key: Any) -> Tuple[str, tuple]:
        from ..expressions.ddl import IndexElement

        if isinstance(key, IndexElement):
            return key.to_sql()
        if isinstance(key, Column):
            return key.to_sql()
        if isinstance(key, ToSQLProtocol):
            k_sql, k_params = key.to_sql()
            return f"({k_sql})", tuple(k_params)
        return self.format_identifier(str(key)), ()

    def format_index_element(self, element: Any) -> Tuple[str, tuple]:
        if isinstance(element.expression, str):
            sql, params = self.format_identifier(element.expression), ()
        else:
            sql, params = self._index_key(element.expression)
        # Collation and operator class are one identifier each ("en_US.utf8" is a
        # collation name, not schema "en_US"); a tuple or '"s"."c"' qualifies them.
        if element.collation:
            sql += f" COLLATE {catalog_name(element.collation)}"
        if element.opclass:
            sql += f" {catalog_name(element.opclass)}"
        if element.descending is not None:
            sql += " DESC" if element.descending else " ASC"
        if element.nulls_first is not None:
            sql += " NULLS FIRST" if element.nulls_first else " NULLS LAST"
        return sql, tuple(params)

    def format_create_index_statement(self, expr: Any) -> Tuple[str, tuple]:
        opts = getattr(expr, "dialect_options", None) or {}
        params: List[Any] = []
        parts = ["CREATE UNIQUE INDEX" if expr.unique else "CREATE INDEX"]
        if getattr(expr, "concurrent", False) or opts.get("concurrently"):
            self.require_capability("create_index_concurrently")
            parts.append("CONCURRENTLY")
        if expr.if_not_exists:
            self.require_capability("index_if_not_exists", "CREATE INDEX IF NOT EXISTS")
            parts.append("IF NOT EXISTS")
        # PostgreSQL puts the index in its table's schema: the name takes none (a dotted
        # str is refused, as everywhere; a 1-tuple is a name containing a dot).
        parts.append(unqualified_name(expr.index_name, "CREATE INDEX's index name"))
        parts.append("ON ONLY" if opts.get("only") else "ON")
        parts.append(self.format_qualified_name(expr.table_name))
        if expr.index_type:
            method = str(expr.index_type).lower()
            if method not in INDEX_METHODS:
                raise UnsupportedFeatureError(self.name, f"index method {expr.index_type!r}",
                                              f"PostgreSQL index methods: {', '.join(INDEX_METHODS)}")
            self.require_capability("index_methods", f"USING {method}")
            parts.append(f"USING {method}")
        if not expr.columns:
            raise ValueError("CREATE INDEX needs at least one key")
        keys: List[str] = []
        for key in expr.columns:
            k_sql, k_params = self._index_key(key)
            keys.append(k_sql)
            params.extend(k_params)
        parts.append(f"({', '.join(keys)})")
        if expr.include:
            self.require_capability("index_include", "CREATE INDEX ... INCLUDE")
            parts.append("INCLUDE (" + ", ".join(self.format_identifier(c) for c in expr.include) + ")")
        if opts.get("nulls_not_distinct"):
            self.require_capability("index_nulls_not_distinct", "NULLS NOT DISTINCT")
            if not expr.unique:
                raise ValueError("NULLS NOT DISTINCT applies to unique indexes only")
            parts.append("NULLS NOT DISTINCT")
        storage = opts.get("with") or opts.get("storage_options")
        if storage:
            s_sql, s_params = self.format_storage_options(storage)
            parts.append(s_sql.strip())
            params.extend(s_params)
        if expr.tablespace:
            parts.append(f"TABLESPACE {self.format_identifier(expr.tablespace)}")
        if expr.where is not None:
            w_sql, w_params = expr.where.to_sql()
            parts.append(f"WHERE {w_sql}")
            params.extend(w_params)
        return inlined((" ".join(parts), tuple(params)))

    def format_drop_index_statement(self, expr: Any) -> Tuple[str, tuple]:
        opts = getattr(expr, "dialect_options", None) or {}
        parts = ["DROP INDEX"]
        concurrently = bool(opts.get("concurrently") or getattr(expr, "concurrent", False))
        if concurrently:
            self.require_capability("create_index_concurrently", "DROP INDEX CONCURRENTLY")
            if opts.get("cascade"):
                raise ValueError("DROP INDEX CONCURRENTLY does not support CASCADE")
            parts.append("CONCURRENTLY")
        if expr.if_exists:
            parts.append("IF EXISTS")
        # Indexes live in a schema, not on a table: "ON table" is MySQL's grammar.
        parts.append(self.format_qualified_name(expr.index_name))
        if opts.get("cascade"):
            parts.append("CASCADE")
        return " ".join(parts), ()
