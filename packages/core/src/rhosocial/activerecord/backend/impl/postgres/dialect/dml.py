"""DML and query clauses: RETURNING, ON CONFLICT, MERGE, row locks, LIMIT/OFFSET.

The core's generic formatters already speak PostgreSQL's grammar for most of
these; what is added here are the version gates (MERGE 15, WHEN NOT MATCHED BY
SOURCE and MERGE ... RETURNING 17, SKIP LOCKED 9.5, ...) so that a statement the
target server would reject fails early with UnsupportedFeatureError instead.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from rhosocial.activerecord.backend.expression.bases import ToSQLProtocol

from ._host import DialectHost

# ForUpdateClause.dialect_options["strength"] -> (SQL, capability key)
_LOCK_STRENGTHS = {
    "UPDATE": ("FOR UPDATE", "for_update"),
    "NO KEY UPDATE": ("FOR NO KEY UPDATE", "for_no_key_update"),
    "SHARE": ("FOR SHARE", "for_share"),
    "KEY SHARE": ("FOR KEY SHARE", "for_no_key_update"),
}


class PostgresDMLMixin(DialectHost):
    # -- row locks -----------------------------------------------------------
    def format_for_update_clause(self, clause: Any) -> Tuple[str, tuple]:
        """``FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF t, ...] [NOWAIT | SKIP LOCKED]``.

        The strength comes from ``clause.dialect_options["strength"]`` (default UPDATE).
        """
        options = getattr(clause, "dialect_options", None) or {}
        strength = str(options.get("strength") or options.get("mode") or "UPDATE").upper().replace("_", " ")
        strength = strength.removeprefix("FOR ").strip()
        if strength not in _LOCK_STRENGTHS:
            raise ValueError(f"unknown row lock strength {strength!r}; one of {sorted(_LOCK_STRENGTHS)}")
        sql, key = _LOCK_STRENGTHS[strength]
        self.require_capability(key)
        parts: List[str] = [sql]
        params: List[Any] = []
        if clause.of_columns:
            of_parts = []
            for item in clause.of_columns:
                if isinstance(item, str):
                    # OF names tables (or aliases), not columns.
                    of_parts.append(self.format_identifier(item))
                elif isinstance(item, ToSQLProtocol):
                    item_sql, item_params = item.to_sql()
                    of_parts.append(item_sql)
                    params.extend(item_params)
            if of_parts:
                parts.append("OF " + ", ".join(of_parts))
        if clause.nowait and clause.skip_locked:
            raise ValueError("NOWAIT and SKIP LOCKED are mutually exclusive")
        if clause.nowait:
            self.require_capability("nowait")
            parts.append("NOWAIT")
        elif clause.skip_locked:
            self.require_capability("skip_locked")
            parts.append("SKIP LOCKED")
        return " ".join(parts), tuple(params)

    # -- LIMIT / OFFSET -----------------------------------------------------------
    # The core's "LIMIT %s OFFSET %s" is valid PostgreSQL, OFFSET alone too.

    # -- RETURNING -------------------------------------------------------------
    def format_returning_clause(self, clause: Any) -> Tuple[str, Tuple]:
        self.require_capability("returning")
        parts: List[str] = []
        params: List[Any] = []
        for expr in clause.expressions:
            expr_sql, expr_params = expr.to_sql()
            parts.append(expr_sql)
            params.extend(expr_params)
        sql = "RETURNING " + ", ".join(parts)
        # RETURNING x AS alias is per expression in PostgreSQL: a clause-level alias
        # has no meaning there, so it is rejected rather than emitted.
        if getattr(clause, "alias", None):
            raise ValueError("PostgreSQL has no alias for a whole RETURNING clause; alias each expression")
        return sql, tuple(params)

    # -- upsert ------------------------------------------------------------------
    def format_on_conflict_clause(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("upsert", "INSERT ... ON CONFLICT")
        if expr.update_assignments and not expr.do_nothing and not expr.conflict_target:
            # PostgreSQL: "ON CONFLICT DO UPDATE requires inference specification or constraint name".
            raise ValueError("ON CONFLICT DO UPDATE needs conflict target columns in PostgreSQL")
        return super().format_on_conflict_clause(expr)

    # -- MERGE -------------------------------------------------------------------
    def format_merge_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("merge", "MERGE")
        if expr.when_not_matched_by_source:
            self.require_capability("merge_not_matched_by_source", "MERGE ... WHEN NOT MATCHED BY SOURCE")
        sql, params = super().format_merge_statement(expr)
        # The core's MergeExpression has no RETURNING: expressions.MergeReturningExpression carries it.
        returning = getattr(expr, "returning", None)
        if returning:
            self.require_capability("merge_returning", "MERGE ... RETURNING")
            r_sql, r_params = self.format_returning_clause(returning)
            sql = f"{sql} {r_sql}"
            params = tuple(params) + tuple(r_params)
        return sql, tuple(params)

    # -- misc query parts ----------------------------------------------------------
    def format_lateral_expression(self, *args: Any, **kwargs: Any) -> Tuple[str, Tuple]:
        self.require_capability("lateral", "LATERAL")
        return super().format_lateral_expression(*args, **kwargs)

    def format_ordered_set_aggregation(self, aggregation: Any) -> Tuple[str, Tuple]:
        self.require_capability("ordered_set_aggregates", "WITHIN GROUP")
        return super().format_ordered_set_aggregation(aggregation)

    def format_cte(self, name: str, query_sql: str, columns=None, recursive: bool = False,
                   materialized=None, dialect_options=None) -> str:
        if materialized is not None:
            # Before 12 the keyword is a syntax error; CTEs were always materialized then.
            self.require_capability("materialized_cte", "WITH ... [NOT] MATERIALIZED")
        return super().format_cte(name, query_sql, columns, recursive, materialized, dialect_options)

    def format_window_frame_specification(self, spec: Any) -> Tuple[str, tuple]:
        frame_type = str(spec.frame_type).upper()
        if frame_type == "GROUPS":
            self.require_capability("window_frame_groups", "GROUPS window frames")
        text = f"{spec.start_frame} {spec.end_frame or ''}".upper()
        if "EXCLUDE" in text:
            self.require_capability("window_frame_exclude", "window frame EXCLUDE")
        if frame_type == "RANGE" and any(w in text for w in ("PRECEDING", "FOLLOWING")) and any(
            ch.isdigit() for ch in text
        ):
            self.require_capability("window_frame_range_offset", "RANGE frames with an offset")
        return super().format_window_frame_specification(spec)
