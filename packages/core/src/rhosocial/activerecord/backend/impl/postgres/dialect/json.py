"""JSON: the core's ``$.a.b[0]`` paths as PostgreSQL operators, and SQL/JSON gates.

PostgreSQL's ``->``/``->>`` take a key or index, not a JSON path string: the
core's ``col->'$.a'`` would look up a key literally named "$.a". Paths are
translated: one step -> ``->``/``->>``; several -> ``#>``/``#>>`` with a text
array path. Paths that need the path language (filters, wildcards) use
``jsonb_path_query_first`` (12+).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from rhosocial.activerecord.backend.expression import bases

from ._host import DialectHost
from .ddl_literals import quote_literal
from .names import type_name

_QUOTED_NAME = re.compile(r'"(?:[^"]|"")+"')
_STEP = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*))|\[(\d+)\]')
# Escapes of a quoted key (JSON string escapes, as the SQL/JSON path language has them).
_KEY_ESCAPE = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|(.))', re.S)
#: the operators a JSONExpression may name: it is written into the statement verbatim
JSON_OPERATORS = frozenset({"->", "->>", "#>", "#>>", "@>", "<@", "?", "?|", "?&", "||", "-", "#-", "@?", "@@"})
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape_key(quoted: str) -> str:
    """The key a quoted path step names: ``dq\\"k`` -> ``dq"k``. The operators below
    take the key itself, and escape it once for their own syntax."""
    def one(m: "re.Match[str]") -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2) not in _SIMPLE_ESCAPES:
            raise ValueError(f"invalid escape \\{m.group(2)} in JSON path key {quoted!r}")
        return _SIMPLE_ESCAPES[m.group(2)]
    # \uD83D\uDE00 is one character in two escapes: join surrogate pairs.
    return _KEY_ESCAPE.sub(one, quoted).encode("utf-16", "surrogatepass").decode("utf-16")


def parse_json_path(path: str) -> List[str] | None:
    """``$.a.b[0]`` -> ['a', 'b', '0']; a bare key ``a`` -> ['a']; None when the
    path needs the SQL/JSON path language (wildcards, filters, negative indexes)."""
    if not path.startswith("$"):
        return [path]
    rest, steps, pos = path[1:], [], 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if not m:
            return None
        steps.append(_unescape_key(m.group(1)) if m.group(1) is not None else (m.group(2) or m.group(3)))
        pos = m.end()
    return steps


class PostgresJSONMixin(DialectHost):
    def get_json_access_operator(self) -> str:
        return "->"

    def _json_literal(self, text: str) -> str:
        # Inline literal (the path is code, not data), E'...' with backslashes doubled when
        # it holds one: read the same with standard_conforming_strings on or off ('a\\'
        # would end early with it off, and the rest of the key would be SQL). No "%%" here:
        # the backend's escape_percent doubles "%" inside literals itself.
        return quote_literal(str(text)).strip()

    def format_json_expression(self, expr: Any) -> Tuple[str, Tuple]:
        if isinstance(expr.column, bases.BaseExpression):
            col_sql, params = expr.column.to_sql()
        else:
            col_sql, params = self.format_identifier(str(expr.column)), ()
        op = expr.operation
        if op not in JSON_OPERATORS:
            raise ValueError(f"JSON operation {op!r} is not a PostgreSQL JSON operator: expected one of "
                             f"{', '.join(sorted(JSON_OPERATORS))}")
        as_text = op == "->>"
        steps = parse_json_path(expr.path) if op in ("->", "->>") else []
        if op not in ("->", "->>"):
            sql = f"{col_sql} {op} {self._json_literal(expr.path)}"
        elif steps is None:
            self.require_capability("jsonpath", f"JSON path {expr.path!r}")
            sql = f"jsonb_path_query_first(({col_sql})::jsonb, {self._json_literal(expr.path)})"
            if as_text:
                sql = f"({sql} #>> '{{}}')"
        elif not steps:
            sql = f"({col_sql} #>> '{{}}')" if as_text else col_sql
        elif len(steps) == 1:
            step = steps[0]
            key = step if step.isdigit() and expr.path.startswith("$") and "[" in expr.path else None
            operand = key if key is not None else self._json_literal(step)
            sql = f"({col_sql} {op} {operand})"
        else:
            arr = "{" + ",".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in steps) + "}"
            sql = f"({col_sql} {'#>>' if as_text else '#>'} {self._json_literal(arr)})"
        for target_type in getattr(expr, "cast_types", None) or ():
            sql, params = self.format_cast_expression(sql, target_type, params, None)
        if getattr(expr, "alias", None):
            sql = f"{sql} AS {self.format_identifier(expr.alias)}"
        return sql, tuple(params)

    # Both modes of the core reach the same PostgreSQL operators.
    format_json_arrow_expression = format_json_expression
    format_json_function_expression = format_json_expression

    def supports_json_table(self, dialect_options: Dict[str, Any] | None = None) -> bool:
        return self.has_capability("json_table")

    def format_json_table_expression(
        self, json_col_sql: str, path: str, columns: List[Dict[str, Any]], alias: str | None, params: tuple
    ) -> Tuple[str, Tuple]:
        self.require_capability("json_table", "JSON_TABLE")
        cols = ", ".join(
            f"{self._json_table_column_name(c['name'])} {type_name(c['type'])} "
            f"PATH {self._json_literal(c['path'])}" for c in columns
        )
        sql = f"JSON_TABLE({json_col_sql}, {self._json_literal(path)} COLUMNS ({cols}))"
        if alias is not None:
            sql += f" AS {self.format_identifier(alias)}"
        return sql, tuple(params)

    def _json_table_column_name(self, name: str) -> str:
        # The core's JSONTableExpression hands over names it already quoted; quoting them
        # again named the column '"v"' (quotes included), so "jt.v" did not exist.
        return name if _QUOTED_NAME.fullmatch(name) else self.format_identifier(name)

