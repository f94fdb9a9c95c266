"""EXPLAIN for the async backend: typed plans (``PostgresExplainResult``).

``await backend.explain(query_expression, ExplainOptions(analyze=True, buffers=True))``
follows the core's protocol; ``await backend.explain_sql("SELECT ...", params,
analyze=True)`` does the same for raw SQL. Unless a format is given, FORMAT
JSON is requested and parsed into a plan tree. ANALYZE runs the statement:
explain an INSERT/UPDATE/DELETE with ANALYZE inside a transaction you roll back.
EXPLAIN always runs on the primary, also with ``read_replica_host`` set
(``replica.routes_to_replica``). Raw SQL must be ONE statement (``ValueError`` otherwise):
without parameters it goes out with the simple query protocol, where the server would
run every statement after the first, unexplained (``SELECT ...; DELETE ...`` would delete).
(The sync twin, ``sync/explain.py``, is generated from this file.)
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from rhosocial.activerecord.backend.explain import AsyncExplainBackendMixin

from ..explain import PostgresExplainResult, RawStatement, parse_explain_rows, with_json_format
from ..sql_text import split_statements

__all__ = ["AsyncPostgresExplainMixin"]


class AsyncPostgresExplainMixin(AsyncExplainBackendMixin):
    """``explain()`` (core protocol) and ``explain_sql()`` with typed results."""

    def _build_explain_sql(self, expression: Any, options: Any = None) -> Any:
        if isinstance(expression, RawStatement):
            _check_one_statement(expression.sql)
        return super()._build_explain_sql(expression, with_json_format(options))

    def _parse_explain_result(self, raw_rows: List[Dict[str, Any]], sql: str, duration: float) -> PostgresExplainResult:
        return parse_explain_rows(raw_rows, sql, duration)

    async def explain_sql(self, sql: str, params: Optional[Sequence[Any]] = None, *, options: Any = None,
                          **flags: Any) -> PostgresExplainResult:
        """EXPLAIN a raw SQL statement with ``%s`` placeholders (as in ``execute``; ``?``
        is not a placeholder there, so neither here).

        Either pass ``options`` (the core's ``ExplainOptions``) or keyword flags
        of the same names: ``analyze``, ``buffers``, ``verbose``, ``costs``,
        ``timing``, ``summary``, ``settings``, ``wal``, ``format``. Other flags
        (``generic_plan``, ``memory``, ``serialize``) go to ``dialect_options``;
        the dialect refuses names it does not know, so a typo is never ignored.
        """
        if options is None:
            import dataclasses

            from rhosocial.activerecord.backend.expression.statements import ExplainFormat, ExplainOptions

            if isinstance(flags.get("format"), str):
                flags["format"] = ExplainFormat(flags["format"].upper())
            if flags.get("analyze") and "timing" not in flags:
                flags["timing"] = True
            # ``summary`` given here is explicit (SUMMARY / SUMMARY OFF), unlike the
            # dataclass default True, which leaves the server's default.
            known = {f.name for f in dataclasses.fields(ExplainOptions)} - {"summary"}
            extra = {k: flags.pop(k) for k in list(flags) if k not in known}
            if extra:
                flags["dialect_options"] = {**(flags.get("dialect_options") or {}), **extra}
            options = ExplainOptions(**flags)
        elif flags:
            raise TypeError("pass either options= or keyword flags, not both")
        return await self.explain(RawStatement(sql, tuple(params or ())), options)


def _check_one_statement(sql: str) -> None:
    """Refuse raw SQL holding more than one statement. A text with a backslash is read as
    with standard_conforming_strings on and off (``sql_text``): refused if either reading
    finds a second statement (write a backslash-quote as ``E'\\''`` to keep it one)."""
    count = len(split_statements(sql))
    if count <= 1 and "\\" in sql:
        count = len(split_statements(sql, backslash_quotes=True))
    if count > 1:
        raise ValueError(f"explain_sql takes one statement, got {count}: the server would run the "
                         "others (unexplained) with this one; explain them one at a time")
