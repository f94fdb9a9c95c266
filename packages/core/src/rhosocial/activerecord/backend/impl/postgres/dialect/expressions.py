"""Expressions where PostgreSQL (or psycopg) differs from the core's generic SQL.

* ``%`` is psycopg's placeholder prefix: the modulo operator is emitted as
  ``%%`` (the backend always sends a parameter sequence, so psycopg turns it
  back into ``%``; see ``postgres.sql_text``).
* ``= ANY(%s)`` takes one array parameter (psycopg dumps a list as an array, a
  tuple as a record), and needs parentheses around the placeholder.
* Function spellings (POSITION, OVERLAY, YEAR, ...) live in ``calls``.
* ``x IN ()`` is no SQL: an IN over an empty list is written as FALSE (see
  ``format_in_predicate_with_literal_values``).
"""

from __future__ import annotations

import re
from typing import Any, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError

from ._host import DialectHost
from .names import operator_name

_IDENT = r'(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)'
#: a type name: [schema.]name [words] [(n[, m])] [words] [[]...] -- e.g. "numeric(10, 2)",
#: "timestamp(3) with time zone", "character varying(20)[]", "public.citext"
_TYPE_NAME = re.compile(
    rf"{_IDENT}(?:\s*\.\s*{_IDENT})?(?:\s+[A-Za-z_]\w*)*"
    r"(?:\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?:\s+[A-Za-z_]\w*)*(?:\s*\[\s*\d*\s*\])*"
)

#: operators spelled as words, a closed list: any run of words would let a caller write
#: "IS NOT NULL OR owner LIKE" as one operator and widen a WHERE clause
_KEYWORD_OPERATORS = frozenset(
    " ".join(words.split()) for words in (
        "AND", "OR", "NOT", "IS", "IS NOT", "IN", "NOT IN", "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE",
        "SIMILAR TO", "NOT SIMILAR TO", "IS DISTINCT FROM", "IS NOT DISTINCT FROM", "BETWEEN", "NOT BETWEEN",
        "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC", "IS NULL", "IS NOT NULL", "ISNULL", "NOTNULL",
        "IS TRUE", "IS NOT TRUE", "IS FALSE", "IS NOT FALSE", "IS UNKNOWN", "IS NOT UNKNOWN", "EXISTS",
        "NOT EXISTS", "ANY", "ALL", "SOME", "OVERLAPS", "AT TIME ZONE", "AT LOCAL", "IS JSON", "IS NOT JSON",
        "IS NORMALIZED", "IS NOT NORMALIZED",
    )
)


class PostgresExpressionMixin(DialectHost):
    def get_parameter_placeholder(self, position: int = 0) -> str:
        return "%s"

    def format_identifier(self, identifier: str) -> str:
        # Always quote: keeps mixed-case names and reserved words intact. A NUL is refused:
        # libpq ends the statement text there, so the rest would be lost or misread.
        text = str(identifier)
        if "\x00" in text:
            raise ValueError(f"identifier {text!r} contains a NUL character")
        return '"' + text.replace('"', '""') + '"'

    @staticmethod
    def _percent_op(op: str) -> str:
        # The operator is written verbatim into the statement, so it must be an
        # operator and nothing more: a keyword form (AND, NOT LIKE, IS DISTINCT
        # FROM), a symbol by PostgreSQL's operator-name rules, or OPERATOR(s.op).
        if not isinstance(op, str):
            raise ValueError(f"an operator is a str, got {type(op).__name__}")
        text = op.strip(" ")
        if text in ("%", "%%"):  # "%%": already escaped by the caller
            return "%%"
        if text[:1].isalpha() and not text.upper().startswith("OPERATOR("):
            words = " ".join(text.upper().split())
            if words not in _KEYWORD_OPERATORS:
                raise ValueError(f"{op!r} is not an operator this dialect writes (a keyword operator is one of "
                                 "AND, OR, NOT, [NOT] LIKE / ILIKE / SIMILAR TO / IN / BETWEEN, IS [NOT] ..., "
                                 "OVERLAPS, AT TIME ZONE)")
            return words
        return operator_name(text)

    def format_binary_arithmetic_expression(
        self, op: str, left_sql: str, right_sql: str, left_params: tuple, right_params: tuple
    ) -> Tuple[str, Tuple]:
        return f"{left_sql} {self._percent_op(op)} {right_sql}", tuple(left_params) + tuple(right_params)

    def format_binary_operator(
        self, op: str, left_sql: str, right_sql: str, left_params: tuple, right_params: tuple
    ) -> Tuple[str, Tuple]:
        return f"{left_sql} {self._percent_op(op)} {right_sql}", tuple(left_params) + tuple(right_params)

    def format_unary_operator(self, op: str, operand_sql: str, pos: str, operand_params: tuple) -> Tuple[str, Tuple]:
        op = self._percent_op(op)
        if pos == "before":
            return f"{op} {operand_sql}", operand_params
        return f"{operand_sql} {op}", operand_params

    def _quantified(self, word: str, expr: Any, op: str, array_expr: Any) -> Tuple[str, Tuple]:
        expr_sql, expr_params = expr.to_sql()
        value = getattr(array_expr, "value", None)
        if isinstance(value, (list, tuple)):
            array_sql, array_params = self.get_parameter_placeholder(), (list(value),)
        else:
            array_sql, array_params = array_expr.to_sql()
        if not (array_sql.startswith("(") and array_sql.endswith(")")):
            array_sql = f"({array_sql})"
        return f"({expr_sql} {self._percent_op(op)} {word}{array_sql})", tuple(expr_params) + tuple(array_params)

    def format_any_expression(self, expr: Any, op: str, array_expr: Any) -> Tuple[str, Tuple]:
        return self._quantified("ANY", expr, op, array_expr)

    def format_all_expression(self, expr: Any, op: str, array_expr: Any) -> Tuple[str, Tuple]:
        return self._quantified("ALL", expr, op, array_expr)

    def format_in_predicate_with_literal_values(self, expr: Any, literal_values: tuple) -> Tuple[str, Tuple]:
        # "x IN ()" is a syntax error. IN over an empty set is FALSE for every x, NULL
        # included (as for an empty subquery), so NOT IN over it is TRUE: the constant
        # says that, and the core's NOT (...) wrapper negates it.
        if not literal_values:
            return "FALSE", ()
        return super().format_in_predicate_with_literal_values(expr, literal_values)

    def format_cast_expression(
        self, expr_sql: str, target_type: str, expr_params: tuple, alias: str | None = None
    ) -> Tuple[str, Tuple]:
        # The core's validator rejects "[]" and "." (arrays, schema types):
        # PostgreSQL's casts to int[] or public.citext are legitimate. The type is
        # pasted into SQL, so only the grammar of a type name passes (no subqueries).
        if not _TYPE_NAME.fullmatch(target_type.strip()):
            raise ValueError(f"Invalid target type {target_type!r}")
        sql = f"CAST({expr_sql} AS {target_type})"
        if alias:
            sql = f"{sql} AS {self.format_identifier(alias)}"
        return sql, expr_params

    def format_is_boolean_predicate(self, expr: Any, value: bool, is_not: bool) -> Tuple[str, Tuple]:
        expr_sql, expr_params = expr.to_sql()
        return f"{expr_sql} IS{' NOT' if is_not else ''} {'TRUE' if value else 'FALSE'}", expr_params

    def format_filter_clause(self, condition_sql: str, condition_params: tuple) -> Tuple[str, Tuple]:
        self.require_capability("filter_clause")
        return f"FILTER (WHERE {condition_sql})", tuple(condition_params)

    def format_ilike_expression(self, column: Any, pattern: str, negate: bool = False) -> Tuple[str, Tuple]:
        if hasattr(column, "to_sql"):
            col_sql, col_params = column.to_sql()
        else:
            col_sql, col_params = self.format_identifier(str(column)), ()
        op = "NOT ILIKE" if negate else "ILIKE"
        # The pattern travels as a parameter, so its '%' wildcards never meet psycopg's parser.
        return f"{col_sql} {op} {self.get_parameter_placeholder()}", tuple(col_params) + (pattern,)

    def format_datetime_diff_expression(self, expr: Any) -> Tuple[str, Tuple]:
        start_sql, start_params = expr.start.to_sql()
        end_sql, end_params = expr.end.to_sql()
        unit = expr.unit.value.upper()
        # The SQL names the end first ("end - start", "AGE(end, start)"): parameters in that order.
        params = tuple(end_params) + tuple(start_params)
        seconds = f"EXTRACT(EPOCH FROM ({end_sql})::timestamp - ({start_sql})::timestamp)"
        divisors = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 604800}
        if unit in divisors:
            sql = f"TRUNC({seconds} / {divisors[unit]})::bigint"
        elif unit in ("MONTH", "YEAR", "QUARTER"):
            age = f"AGE(({end_sql})::timestamp, ({start_sql})::timestamp)"
            months = f"(EXTRACT(YEAR FROM {age}) * 12 + EXTRACT(MONTH FROM {age}))"
            # AGE appears twice: its operands (and their parameters) twice too.
            params = params + params
            div = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit]
            sql = f"TRUNC({months} / {div})::bigint"
        else:
            raise UnsupportedFeatureError(self.name, f"date_diff({unit})")
        return self._apply_value_expression_modifiers(sql, params, expr)
