"""Views and materialized views.

* ``CREATE [OR REPLACE] [TEMP] [RECURSIVE] VIEW name [(cols)] [WITH (security_barrier,
  security_invoker (15))] AS query [WITH LOCAL|CASCADED CHECK OPTION]``: the view options come
  from ``ViewOptions(dialect_options={"security_barrier": True})``; the core's
  ``ViewOptions(security="INVOKER" | "DEFINER")`` is ``security_invoker = true | false``
  (15+; before 15 a view always checks rights as its owner, so INVOKER is refused and
  DEFINER needs no option), ``recursive=True`` is ``RECURSIVE`` (needs the column list).
  Every other core option (``read_only``, ``algorithm``, ``definer``, ``force``,
  ``schemabinding``, ``encryption``) names a feature PostgreSQL views lack: a set one is
  refused, never dropped.
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
# core ViewOptions fields PostgreSQL has no counterpart for -> what to say instead
_FOREIGN_VIEW_OPTIONS = {
    "read_only": "PostgreSQL has no read-only views; GRANT only SELECT on the view instead.",
    "definer": "A PostgreSQL view belongs to the role creating it; ALTER VIEW ... OWNER TO changes that.",
    "force": "PostgreSQL creates a view only over existing relations.",
    "schemabinding": "PostgreSQL views always depend on their relations (DROP ... CASCADE drops them).",
    "encryption": "PostgreSQL does not encrypt view definitions.",
}


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
        self._refuse_foreign_view_options(options)
        if options.recursive:
            if not expr.column_aliases:
                raise ValueError("a recursive view needs its column list (column_aliases)")
            head += " RECURSIVE"
        parts = [f"{head} VIEW {self.format_qualified_name(expr.view_name)}"]
        if expr.column_aliases:
            names = [getattr(a, "alias", None) or getattr(a, "name", a) for a in expr.column_aliases]
            parts.append(f"({', '.join(self.format_identifier(n) for n in names)})")
        with_parts = []
        for key, value in self._view_with_options(options).items():
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

    def _refuse_foreign_view_options(self, options: Any) -> None:
        from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
        from rhosocial.activerecord.backend.expression.statements import ViewAlgorithm

        algorithm = getattr(options, "algorithm", None)
        if algorithm is not None and algorithm != ViewAlgorithm.UNDEFINED:
            raise UnsupportedFeatureError(self.name, f"view ALGORITHM = {getattr(algorithm, 'value', algorithm)}",
                                          "PostgreSQL chooses how to run a view itself (MySQL's option).")
        for field, suggestion in _FOREIGN_VIEW_OPTIONS.items():
            if getattr(options, field, None):
                raise UnsupportedFeatureError(self.name, f"view option {field}", suggestion)

    def _view_with_options(self, options: Any) -> dict:
        """``WITH (...)`` options: ``dialect_options`` plus the core's ``security``."""
        given = dict(options.dialect_options or {})
        for key in given:
            if key not in _VIEW_OPTIONS:
                raise ValueError(f"unknown view option {key!r}; PostgreSQL views take {sorted(_VIEW_OPTIONS)}")
        security = getattr(options, "security", None)
        if security is None:
            return given
        word = str(getattr(security, "value", security)).strip().upper()
        if word not in ("INVOKER", "DEFINER"):
            raise ValueError(f"view security is INVOKER or DEFINER, not {security!r}")
        invoker = word == "INVOKER"
        if "security_invoker" in given and bool(given["security_invoker"]) != invoker:
            raise ValueError(f"security={word!r} contradicts dialect_options security_invoker="
                             f"{given['security_invoker']!r}")
        if invoker or self.has_capability("security_invoker_views"):
            given["security_invoker"] = invoker  # INVOKER before 15: refused by the gate
        # DEFINER before 15: a view always checks its relations' rights as its owner there.
        return given

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
        unknown = sorted(set(opts) - {"if_not_exists"})
        if unknown:
            raise ValueError(f"unknown materialized view option(s) {unknown}; PostgreSQL takes 'if_not_exists' "
                             "here (storage parameters go in storage_options)")
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
