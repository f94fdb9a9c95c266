"""Views and materialized views.

* ``CREATE [OR REPLACE] [TEMP] VIEW name [(cols)] [WITH (security_barrier, security_invoker (15))]
  AS query [WITH LOCAL|CASCADED CHECK OPTION]``: the view options come from
  ``ViewOptions(dialect_options={"security_barrier": True})``.
* ``CREATE MATERIALIZED VIEW [IF NOT EXISTS] name [(cols)] [WITH (...)] [TABLESPACE t]
  AS query WITH [NO] DATA``; ``REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]``
  (CONCURRENTLY needs a unique index on the view and a populated view; it cannot
  be combined with WITH NO DATA); ``DROP MATERIALIZED VIEW [IF EXISTS] name [CASCADE]``.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from ._host import DialectHost
from .ddl_literals import inlined

_VIEW_OPTIONS = {"security_barrier": "security_barrier_views", "security_invoker": "security_invoker_views"}


class PostgresViewDDLMixin(DialectHost):
    def format_create_view_statement(self, expr: Any) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.statements import ViewCheckOption

        options = expr.options
        head = "CREATE"
        if expr.replace:
            head += " OR REPLACE"
        if expr.temporary:
            head += " TEMPORARY"
        if options.materialized:
            raise ValueError("use CreateMaterializedViewExpression for materialized views")
        parts = [f"{head} VIEW {self.format_qualified_name(expr.view_name)}"]
        if expr.column_aliases:
            names = [getattr(a, "alias", None) or getattr(a, "name", a) for a in expr.column_aliases]
            parts.append(f"({', '.join(self.format_identifier(n) for n in names)})")
        with_parts = []
        for key, value in (options.dialect_options or {}).items():
            if key not in _VIEW_OPTIONS:
                raise ValueError(f"unknown view option {key!r}; PostgreSQL views take {sorted(_VIEW_OPTIONS)}")
            self.require_capability(_VIEW_OPTIONS[key], f"view option {key}")
            with_parts.append(f"{key} = {'true' if value else 'false'}")
        if with_parts:
            parts.append(f"WITH ({', '.join(with_parts)})")
        q_sql, q_params = expr.query.to_sql()
        parts.append(f"AS {q_sql}")
        check = options.check_option
        if check is not None and check != ViewCheckOption.NONE:
            self.require_capability("view_check_option", "WITH CHECK OPTION")
            parts.append(f"WITH {check.value} CHECK OPTION")
        return inlined((" ".join(parts), tuple(q_params)))

    def format_drop_view_statement(self, expr: Any) -> Tuple[str, tuple]:
        parts = ["DROP VIEW"]
        if expr.if_exists:
            parts.append("IF EXISTS")
        parts.append(self.format_qualified_name(expr.view_name))
        if expr.cascade:
            parts.append("CASCADE")
        return " ".join(parts), ()

    def format_create_materialized_view_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("materialized_views")
        opts = expr.dialect_options or {}
        params: List[Any] = []
        parts = ["CREATE MATERIALIZED VIEW"]
        if opts.get("if_not_exists"):
            self.require_capability("materialized_view_if_not_exists")
            parts.append("IF NOT EXISTS")
        parts.append(self.format_qualified_name(expr.view_name))
        if expr.column_aliases:
            parts.append(f"({', '.join(self.format_identifier(c) for c in expr.column_aliases)})")
        if expr.storage_options:
            s_sql, s_params = self.format_storage_options(expr.storage_options)
            parts.append(s_sql.strip())
            params.extend(s_params)
        if expr.tablespace:
            parts.append(f"TABLESPACE {self.format_identifier(expr.tablespace)}")
        q_sql, q_params = expr.query.to_sql()
        parts.append(f"AS {q_sql}")
        params.extend(q_params)
        parts.append("WITH DATA" if expr.with_data else "WITH NO DATA")
        return inlined((" ".join(parts), tuple(params)))

    def format_refresh_materialized_view_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("materialized_views")
        parts = ["REFRESH MATERIALIZED VIEW"]
        if expr.concurrent:
            self.require_capability("refresh_materialized_view_concurrently")
            if expr.with_data is False:
                raise ValueError("REFRESH ... CONCURRENTLY cannot be combined with WITH NO DATA")
            parts.append("CONCURRENTLY")
        parts.append(self.format_qualified_name(expr.view_name))
        if expr.with_data is not None:
            parts.append("WITH DATA" if expr.with_data else "WITH NO DATA")
        return " ".join(parts), ()

    def format_drop_materialized_view_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("materialized_views")
        parts = ["DROP MATERIALIZED VIEW"]
        if expr.if_exists:
            parts.append("IF EXISTS")
        parts.append(self.format_qualified_name(expr.view_name))
        if expr.cascade:
            parts.append("CASCADE")
        return " ".join(parts), ()
