"""Function calls whose PostgreSQL spelling differs from the core's ``NAME(a, b, ...)``.

The core builds every scalar function as ``NAME(arg, ...)`` with each Python value a
bind parameter. PostgreSQL needs other shapes for some of them; each rewrite below is
here because the generic form fails on a real server (tests/capabilities/
test_functions_run.py runs every function of ``FUNCTION_CAPABILITIES`` on the server):

* MySQL-flavoured names (YEAR(x), TRUNCATE(x, n), SPACE(n), ...) get their PostgreSQL
  spelling; a two-argument ``LOG`` is the core's ``log(x, base)`` (value first) while
  PostgreSQL's ``log(b, x)`` takes the base first, so the arguments are swapped.
* ``POSITION`` and ``OVERLAY`` are SQL-standard special forms: ``POSITION(a IN b)``
  (the comma form is a syntax error on every version) and ``OVERLAY(a PLACING b FROM s
  [FOR n])`` (PostgreSQL 10..13 reject the comma form; 14+ accept both).
* ``CURRENT_TIMESTAMP(p)`` and friends take an integer *literal* in the grammar, not
  an expression: the precision is checked to be an int 0..6 and written inline.
* ``ROUND(x, n)`` / ``TRUNC(x, n)`` exist for numeric only (there is no
  ``round(double precision, int)``): the value is cast to numeric when a precision is
  given (the answer is then a Decimal); without one they work on any number as is.
* Functions taking ``VARIADIC "any"`` (CONCAT, JSON_BUILD_OBJECT, FORMAT, ...) cannot
  infer a type for a parameter psycopg sends untyped (a Python str or None):
  "could not determine data type of parameter $1". Those parameters -- and only those,
  never columns or typed values -- are cast to text.
* ``JSON_ARRAY_ELEMENTS(x)`` exists for json only: the argument is cast to json so a
  jsonb column (or a str parameter) works too; the elements come back as json, as the
  function's name promises, whatever the input's type.
* ``LAG(x, n, default)`` / ``LEAD``: before 14 the default must have exactly x's type
  (anyelement; 14 made it anycompatible), and psycopg sends a Python 0 as smallint, so
  ``LEAD(int_col, 1, 0)`` has no matching function. The default is written as
  ``CASE WHEN FALSE THEN x ELSE default END``, which resolves to x's type by the
  UNION/CASE rules (int2 -> int4, unknown -> x's type) and yields the default.
* ``JSON_ARRAYAGG(DISTINCT x)`` is no PostgreSQL syntax (16..18 reject it); it is
  written as ``JSON_AGG_STRICT(DISTINCT x)``, the aggregate PostgreSQL itself runs for
  ``JSON_ARRAYAGG(x)`` (ABSENT ON NULL, RETURNING json). ``JSON_OBJECTAGG`` has no
  DISTINCT form and is refused with one.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression.core import Literal
from rhosocial.activerecord.backend.expression.operators import RawSQLExpression

from ._host import DialectHost

SQLAndParams = Tuple[str, Tuple]

# FUNC(x) -> EXTRACT(FIELD FROM x): PostgreSQL has no YEAR()/MONTH()/... functions.
_EXTRACT_FUNCTIONS = {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"}
# Same arguments, other name.
_RENAMED_FUNCTIONS = {"TRUNCATE": "TRUNC", "INSTR": "STRPOS", "IFNULL": "COALESCE"}
# Functions declared with VARIADIC "any" (or "any" arguments): no type for an untyped parameter.
_VARIADIC_ANY = frozenset({
    "CONCAT", "CONCAT_WS", "FORMAT", "JSON_BUILD_OBJECT", "JSON_BUILD_ARRAY",
    "JSONB_BUILD_OBJECT", "JSONB_BUILD_ARRAY", "NUM_NULLS", "NUM_NONNULLS",
})
# SQL value functions whose optional precision is an integer literal in the grammar.
_PRECISION_FUNCTIONS = frozenset({"CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_TIME", "LOCALTIME"})
# An operand that `::type` binds to as a whole: a (qualified) quoted name or a placeholder.
_ATOM = re.compile(r'(?:"(?:[^"]|"")*"\s*\.\s*)*"(?:[^"]|"")*"|%s')


def _numeric(sql: str) -> str:
    """``sql`` cast to numeric; parenthesised unless ``::`` already binds to all of it."""
    return f"{sql}::numeric" if _ATOM.fullmatch(sql) else f"({sql})::numeric"


def _untyped_parameter(arg: Any) -> bool:
    """A bare Literal psycopg sends without a type: a str (sent as "unknown") or None."""
    return (type(arg) is Literal and (arg.value is None or isinstance(arg.value, str))
            and not arg.cast_types and not getattr(arg, "alias", None))


class PostgresFunctionCallMixin(DialectHost):
    def format_function_call(self, expr: Any, filter_predicate: Any | None = None) -> SQLAndParams:
        name = str(getattr(expr, "func_name", "")).upper()
        if not filter_predicate and not getattr(expr, "is_distinct", False):
            handler = _SCALAR_SPELLINGS.get(name)
            if handler is not None:
                written = handler(self, name, list(expr.args))
                if written is not None:
                    return self._finish_call(written[0], written[1], expr)
        if name in _RENAMED_FUNCTIONS:
            original = expr.func_name
            expr.func_name = _RENAMED_FUNCTIONS[name]
            try:
                return super().format_function_call(expr, filter_predicate)
            finally:
                expr.func_name = original
        if name in ("JSON_OBJECTAGG", "JSON_ARRAYAGG"):
            return self._json_aggregate(name, expr, filter_predicate)
        if name == "SYSTEM_USER":
            self.require_capability("system_user", "SYSTEM_USER")
        return super().format_function_call(expr, filter_predicate)

    def format_window_function_call(self, call: Any) -> SQLAndParams:
        version = getattr(self, "_version", None)
        if (str(call.function_name).upper() in ("LAG", "LEAD") and len(call.args) == 3
                and (version is None or version < (14,))):
            x_sql, x_params = call.args[0].to_sql()
            default_sql, default_params = call.args[2].to_sql()
            default = RawSQLExpression(self, f"CASE WHEN FALSE THEN {x_sql} ELSE {default_sql} END",
                                       tuple(x_params) + tuple(default_params))
            call = copy.copy(call)
            call.args = [call.args[0], call.args[1], default]
        return super().format_window_function_call(call)

    # -- scalar spellings: (name, args) -> (sql, params), or None for the generic form ----
    def _extract_field(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) != 1:
            return None
        sql, params = args[0].to_sql()
        return f"EXTRACT({name} FROM {sql})", tuple(params)

    def _space(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) != 1:
            return None
        sql, params = args[0].to_sql()
        return f"REPEAT(' ', {sql})", tuple(params)

    def _log(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) != 2:
            return None
        (x_sql, x_params), (b_sql, b_params) = (a.to_sql() for a in args)
        return f"LOG({b_sql}, {x_sql})", tuple(b_params) + tuple(x_params)

    def _position(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) != 2:
            return None
        (s_sql, s_params), (t_sql, t_params) = (a.to_sql() for a in args)
        # "a IN b" takes b_expr operands: parentheses keep any expression whole.
        return f"POSITION(({s_sql}) IN ({t_sql}))", tuple(s_params) + tuple(t_params)

    def _overlay(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) not in (3, 4):
            return None
        parts = [a.to_sql() for a in args]
        sql = f"OVERLAY({parts[0][0]} PLACING {parts[1][0]} FROM {parts[2][0]}"
        sql += f" FOR {parts[3][0]})" if len(parts) == 4 else ")"
        return sql, tuple(p for _, params in parts for p in params)

    def _precision_value_function(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if not args:
            return None  # the core writes the niladic form
        value = args[0].value if len(args) == 1 and type(args[0]) is Literal else None
        if type(value) is not int or not 0 <= value <= 6:
            raise ValueError(f"{name} precision must be an int from 0 to 6, got {args!r}")
        return f"{name}({value})", ()

    def _numeric_precision(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) != 2:
            return None
        (x_sql, x_params), (n_sql, n_params) = (a.to_sql() for a in args)
        function = _RENAMED_FUNCTIONS.get(name, name)
        return f"{function}({_numeric(x_sql)}, {n_sql})", tuple(x_params) + tuple(n_params)

    def _variadic_any(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if not any(_untyped_parameter(a) for a in args):
            return None
        parts, params = [], []
        for arg in args:
            sql, arg_params = arg.to_sql()
            parts.append(f"{sql}::text" if _untyped_parameter(arg) else sql)
            params.extend(arg_params)
        return f"{name}({', '.join(parts)})", tuple(params)

    def _json_array_elements(self, name: str, args: List[Any]) -> Optional[SQLAndParams]:
        if len(args) != 1:
            return None
        sql, params = args[0].to_sql()
        return f"JSON_ARRAY_ELEMENTS(({sql})::json)", tuple(params)

    # -- aggregates ----------------------------------------------------------------------
    def _json_aggregate(self, name: str, expr: Any, filter_predicate: Any | None) -> SQLAndParams:
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

    def _finish_call(self, sql: str, params: tuple, expr: Any) -> SQLAndParams:
        for target_type in getattr(expr, "cast_types", None) or ():
            sql, params = self.format_cast_expression(sql, target_type, params, None)
        if getattr(expr, "alias", None):
            sql = f"{sql} AS {self.format_identifier(expr.alias)}"
        return sql, params


_Handler = Callable[[PostgresFunctionCallMixin, str, List[Any]], Optional[SQLAndParams]]
_SCALAR_SPELLINGS: Dict[str, _Handler] = {
    **{name: PostgresFunctionCallMixin._extract_field for name in _EXTRACT_FUNCTIONS},
    **{name: PostgresFunctionCallMixin._precision_value_function for name in _PRECISION_FUNCTIONS},
    **{name: PostgresFunctionCallMixin._variadic_any for name in _VARIADIC_ANY},
    "SPACE": PostgresFunctionCallMixin._space,
    "LOG": PostgresFunctionCallMixin._log,
    "POSITION": PostgresFunctionCallMixin._position,
    "OVERLAY": PostgresFunctionCallMixin._overlay,
    "ROUND": PostgresFunctionCallMixin._numeric_precision,
    "TRUNC": PostgresFunctionCallMixin._numeric_precision,
    "TRUNCATE": PostgresFunctionCallMixin._numeric_precision,
    "JSON_ARRAY_ELEMENTS": PostgresFunctionCallMixin._json_array_elements,
}
