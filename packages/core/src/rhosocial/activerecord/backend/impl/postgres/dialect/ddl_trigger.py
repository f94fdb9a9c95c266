"""CREATE / DROP TRIGGER the PostgreSQL way, with version gates.

``CREATE [OR REPLACE] (14) TRIGGER name {BEFORE|AFTER|INSTEAD OF}
event [OR event ...] ON table [REFERENCING ...] (10) FOR EACH {ROW|STATEMENT}
[WHEN (...)] EXECUTE {FUNCTION (11) | PROCEDURE} f(args)``; never ``IF NOT EXISTS``
(no version has it). ``update_columns`` narrows the UPDATE event to
``UPDATE OF col, ...`` and leaves the other events in place
(``INSERT OR UPDATE OF "v"``); asking for columns without an UPDATE event is an
error, not a silent UPDATE trigger.
"""

from __future__ import annotations

import re
from typing import Any, List, Tuple

from ._host import DialectHost
from .ddl_literals import inlined
from .names import path_name

_REFERENCING = re.compile(r"REFERENCING(?:\s+(?:OLD|NEW)\s+TABLE(?:\s+AS)?\s+[A-Za-z_]\w*)+", re.IGNORECASE)
_TRIGGER_ARG = r"(?:'(?:[^']|'')*'|[-+]?\d+(?:\.\d+)?|[A-Za-z_]\w*)"
_TRIGGER_CALL = re.compile(
    rf"([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)(?:\s*\((\s*(?:{_TRIGGER_ARG}\s*(?:,\s*{_TRIGGER_ARG}\s*)*)?)\))?"
)


class PostgresTriggerDDLMixin(DialectHost):
    def _trigger_events(self, expr: Any) -> str:
        """``INSERT OR UPDATE OF "v"``: the column list belongs to the UPDATE event only.

        The core writes ``UPDATE OF cols`` *instead of* the event list, which drops
        INSERT/DELETE from a multi-event trigger and turns a DELETE trigger into an
        UPDATE one; here each event keeps its place."""
        events = [getattr(e, "value", e) for e in expr.events]
        if not events:
            raise ValueError("CREATE TRIGGER needs at least one event")
        columns = list(expr.update_columns or ())
        if columns and "UPDATE" not in events:
            raise ValueError(f"update_columns {columns!r} need an UPDATE event; the trigger's events are "
                             f"{events!r} (UPDATE OF applies to UPDATE only)")
        out: List[str] = []
        for event in events:
            if event == "UPDATE" and columns:
                out.append("UPDATE OF " + ", ".join(self.format_identifier(c) for c in columns))
            else:
                out.append(str(event))
        return " OR ".join(out)

    def format_create_trigger_statement(self, expr: Any) -> Tuple[str, tuple]:
        opts = getattr(expr, "dialect_options", None) or {}
        if expr.if_not_exists:
            # No PostgreSQL version has CREATE TRIGGER IF NOT EXISTS.
            self.require_capability("trigger_if_not_exists", "CREATE TRIGGER IF NOT EXISTS",
                                    "Use CREATE OR REPLACE TRIGGER (14+) or DROP TRIGGER IF EXISTS first.")
        head = "CREATE TRIGGER"
        if opts.get("or_replace") or opts.get("replace"):
            self.require_capability("create_or_replace_trigger", "CREATE OR REPLACE TRIGGER")
            head = "CREATE OR REPLACE TRIGGER"
        parts = [head, self.format_identifier(expr.trigger_name), expr.timing.value, self._trigger_events(expr)]
        parts += ["ON", self.format_qualified_name(expr.table_name)]
        if expr.referencing:
            self.require_capability("trigger_transition_tables", "REFERENCING transition tables")
            if not _REFERENCING.fullmatch(expr.referencing.strip()):
                raise ValueError(f"Invalid REFERENCING clause {expr.referencing!r}")
            parts.append(expr.referencing.strip())
        parts.append(expr.level.value)
        params: List[Any] = []
        if expr.condition is not None:
            c_sql, c_params = expr.condition.to_sql()
            parts.append(f"WHEN ({c_sql})")
            params.extend(c_params)
        keyword = "FUNCTION" if self.has_capability("execute_function_syntax") else "PROCEDURE"
        fn_sql = self._trigger_function_call(expr.function_name)
        parts.append(f"EXECUTE {keyword} {fn_sql}")
        return inlined((" ".join(parts), tuple(params)))

    def _trigger_function_call(self, function: str) -> str:
        """``name`` or ``name(args)``: the name quoted, the arguments only literals
        (PostgreSQL passes them to the function as text in TG_ARGV). The name is a
        path (``schema.fn``): it is text in call form, not a bare object name."""
        match = _TRIGGER_CALL.fullmatch(function.strip())
        if match is None:
            raise ValueError(f"Invalid trigger function {function!r}: expected name or name('arg', ...)")
        name, args = match.group(1), match.group(2)
        return f"{path_name(name)}({(args or '').strip()})"

    def format_drop_trigger_statement(self, expr: Any) -> Tuple[str, tuple]:
        if not expr.table_name:
            raise ValueError("DROP TRIGGER needs the table name in PostgreSQL")
        parts = ["DROP TRIGGER"]
        if expr.if_exists:
            parts.append("IF EXISTS")
        parts += [self.format_identifier(expr.trigger_name), "ON", self.format_qualified_name(expr.table_name)]
        if (getattr(expr, "dialect_options", None) or {}).get("cascade"):
            parts.append("CASCADE")
        return " ".join(parts), ()
