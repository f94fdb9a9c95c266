"""Expressions where PostgreSQL (or psycopg) differs from the core's generic SQL.

* ``%`` is psycopg's placeholder prefix: the modulo operator is emitted as
  ``%%`` (the backend always sends a parameter sequence, so psycopg turns it
  back into ``%``; see ``postgres.sql_text``).
* ``= ANY(%s)`` takes one array parameter (psycopg dumps a list as an array, a
  tuple as a record), and needs parentheses around the placeholder.
* MySQL-flavoured functions the core builds (YEAR(x), TRUNCATE(x, n),
  SPACE(n), ...) are rewritten to their PostgreSQL spelling.
* A two-argument ``LOG`` is the core's ``log(x, base)`` (value first, as its
  factory builds it); PostgreSQL's ``log(b, x)`` takes the base first, so the
  arguments are swapped: ``log(d, 100, 10)`` -> ``LOG(10, 100)`` = 2.
* ``JSON_ARRAYAGG(DISTINCT x)`` is no PostgreSQL syntax (16..18 reject it);
  it is written as ``JSON_AGG_STRICT(DISTINCT x)``, the aggregate PostgreSQL
  itself runs for ``JSON_ARRAYAGG(x)`` (ABSENT ON NULL, RETURNING json).
  ``JSON_OBJECTAGG`` has no DISTINCT form and is refused with one.
"""

from __future__ import annotations

import re
from typing import Any, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError

from ._host import DialectHost
from .names import operator_name

# FUNC(x) -> EXTRACT(FIELD FROM x): PostgreSQL has no YEAR()/MONTH()/... functions.
_EXTRACT_FUNCTIONS = {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"}
# Same arguments, other name.
_RENAMED_FUNCTIONS = {"TRUNCATE": "TRUNC", "INSTR": "STRPOS", "IFNULL": "COALESCE", "SUBSTR": "SUBSTR"}



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
        # Always quote: keeps mixed-case names and reserved words intact.
        return '"' + str(identifier).replace('"', '""') + '"'

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

    def format_function_call(self, expr: Any, filter_predicate: Any | None = None) -> Tuple[str, Tuple]:
        name = str(getattr(expr, "func_name", "")).upper()
        if name in _EXTRACT_FUNCTIONS and len(expr.args) == 1 and not filter_predicate:
            arg_sql, arg_params = expr.args[0].to_sql()
            sql = f"EXTRACT({name} FROM {arg_sql})"
            return self._finish_call(sql, tuple(arg_params), expr)
        if name == "SPACE" and len(expr.args) == 1:
            arg_sql, arg_params = expr.args[0].to_sql()
            return self._finish_call(f"REPEAT(' ', {arg_sql})", tuple(arg_params), expr)
        if name in _RENAMED_FUNCTIONS and name != _RENAMED_FUNCTIONS[name]:
            original = expr.func_name
            expr.func_name = _RENAMED_FUNCTIONS[name]
            try:
                return super().format_function_call(expr, filter_predicate)
            finally:
                expr.func_name = original
        if name == "LOG" and len(expr.args) == 2 and not filter_predicate:
            x_sql, x_params = expr.args[0].to_sql()
            b_sql, b_params = expr.args[1].to_sql()
            return self._finish_call(f"LOG({b_sql}, {x_sql})", tuple(b_params) + tuple(x_params), expr)
        if name in ("JSON_OBJECTAGG", "JSON_ARRAYAGG"):
            return self._json_aggregate(name, expr, filter_predicate)
        if name == "SYSTEM_USER":
            self.require_capability("system_user", "SYSTEM_USER")
        return super().format_function_call(expr, filter_predicate)

    def _json_aggregate(self, name: str, expr: Any, filter_predicate: Any | None) -> Tuple[str, Tuple]:
        self.require_capability("json_standard_aggregates", name)
        if getattr(expr, "is_distinct", False):
            if name == "JSON_OBJECTAGG":
                raise UnsupportedFeatureError(
                    self.name, "JSON_OBJECTAGG(DISTINCT ...)",
                    "PostgreSQL's JSON_OBJECTAGG takes no DISTINCT; aggregate a SELECT DISTINCT subquery instead.")
            if len(expr.args) != 1:
                raise ValueError("JSON_ARRAYAGG takes one argument")
            a_sql, a_params = expr.args[0].to_sql()
            sql, params = f"JSON_AGG_STRICT(DISTINCT {a_sql})", tuple(a_params)
        elif name == "JSON_OBJECTAGG" and len(expr.args) == 2:
            k_sql, k_params = expr.args[0].to_sql()
            v_sql, v_params = expr.args[1].to_sql()
            # "k VALUE v" wants a c_expr key: parenthesise so k::text or k || 'x' parse.
            sql, params = f"JSON_OBJECTAGG(({k_sql}) VALUE {v_sql})", tuple(k_params) + tuple(v_params)
        else:
            return super().format_function_call(expr, filter_predicate)
        if filter_predicate:
            f_sql, f_params = filter_predicate.to_sql()
            clause_sql, clause_params = self.format_filter_clause(f_sql, tuple(f_params))
            sql, params = f"{sql} {clause_sql}", params + tuple(clause_params)
        return self._finish_call(sql, params, expr)

    def _finish_call(self, sql: str, params: tuple, expr: Any) -> Tuple[str, Tuple]:
        for target_type in getattr(expr, "cast_types", None) or ():
            sql, params = self.format_cast_expression(sql, target_type, params, None)
        if getattr(expr, "alias", None):
            sql = f"{sql} AS {self.format_identifier(expr.alias)}"
        return sql, params

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
