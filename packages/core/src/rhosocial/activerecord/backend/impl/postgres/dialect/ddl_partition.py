"""Declarative partitioning (10+): PARTITION BY, PARTITION OF, ATTACH / DETACH.

* ``CreateTableExpression(..., partition=PartitionClause(d, PartitionStrategy.RANGE, [Column(d, "at")]))``
  -> ``... PARTITION BY RANGE ("at")``; HASH needs 11. Keys that are not plain
  columns are parenthesised: ``PARTITION BY LIST ((lower("code")))``.
* ``CreatePartitionExpression`` -> ``CREATE TABLE p PARTITION OF t FOR VALUES FROM (..) TO (..)``
  / ``IN (..)`` / ``WITH (MODULUS m, REMAINDER r)`` (11) / ``DEFAULT`` (11),
  optionally itself ``PARTITION BY ...`` (sub-partitioning).
* ``AttachPartitionExpression`` -> ``ALTER TABLE t ATTACH PARTITION p <bound>``; no version
  has ``ATTACH ... CONCURRENTLY``.
* ``DetachPartitionExpression`` -> ``ALTER TABLE t DETACH PARTITION p [CONCURRENTLY | FINALIZE]`` (14).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, List, Tuple

from rhosocial.activerecord.backend.expression.bases import ToSQLProtocol
from rhosocial.activerecord.backend.expression.core import Column, Literal

from ._host import DialectHost
from .ddl_literals import inlined, quote_literal


class PostgresPartitionDDLMixin(DialectHost):
    def format_partition_clause(self, expr: Any) -> Tuple[str, tuple]:
        method = str(expr.method).upper()
        if method not in ("RANGE", "LIST", "HASH"):
            raise ValueError(f"PostgreSQL partitions by RANGE, LIST or HASH, not {method!r}")
        self.require_capability("hash_partitioning" if method == "HASH" else "partitioning", f"PARTITION BY {method}")
        keys: List[str] = []
        params: List[Any] = []
        for key in expr.keys:
            k_sql, k_params = key.to_sql()
            keys.append(k_sql if isinstance(key, Column) else f"({k_sql})")
            params.extend(k_params)
        return f" PARTITION BY {method} ({', '.join(keys)})", tuple(params)

    def _bound_values(self, values: List[Any]) -> Tuple[str, tuple]:
        """Bound values as plain literals: before 12 a bound takes literals only
        (no casts, no expressions), so a date is written ``'2024-01-01'`` and the
        server coerces it to the key's type.

        Only the ``PartitionBound.MINVALUE`` / ``MAXVALUE`` sentinels become the
        keywords; a str is always a literal (a text key may really hold 'MAXVALUE',
        and a user's value must never open a partition to infinity).

        A plain ``Literal(d, 100)`` (no cast, no alias) is its value: it is written
        like ``100`` on every version. Any other expression (a cast, a function
        call, arithmetic) needs 12."""
        from ..expressions.ddl import Unbounded

        out: List[str] = []
        params: List[Any] = []
        for value in values:
            if isinstance(value, Unbounded):
                out.append(value.value)
            elif _is_plain_literal(value):
                out.append(_bound_literal(value.value))
            elif isinstance(value, ToSQLProtocol):
                self.require_capability("partition_bound_expressions", "expressions in partition bounds")
                v_sql, v_params = value.to_sql()
                out.append(v_sql)
                params.extend(v_params)
            else:
                out.append(_bound_literal(value))
        return ", ".join(out), tuple(params)

    def format_partition_bound(self, bound: Any) -> Tuple[str, tuple]:
        if bound.kind == "DEFAULT":
            self.require_capability("default_partition", "DEFAULT partition")
            return "DEFAULT", ()
        if bound.kind == "HASH":
            self.require_capability("hash_partitioning", "FOR VALUES WITH (MODULUS, REMAINDER)")
            if not (isinstance(bound.modulus, int) and isinstance(bound.remainder, int)
                    and bound.modulus > 0 and 0 <= bound.remainder < bound.modulus):
                raise ValueError("a hash partition needs 0 <= remainder < modulus")
            return f"FOR VALUES WITH (MODULUS {bound.modulus}, REMAINDER {bound.remainder})", ()
        self.require_capability("partitioning")
        if bound.kind == "LIST":
            if not bound.in_values:
                raise ValueError("a list partition needs at least one value")
            from ..expressions.ddl import Unbounded

            if any(isinstance(v, Unbounded) for v in bound.in_values):
                raise ValueError("MINVALUE / MAXVALUE are range ends, not list values")
            v_sql, v_params = self._bound_values(bound.in_values)
            return f"FOR VALUES IN ({v_sql})", v_params
        if not bound.from_values or len(bound.from_values) != len(bound.to_values):
            raise ValueError("a range partition needs FROM and TO values of the same length")
        f_sql, f_params = self._bound_values(bound.from_values)
        t_sql, t_params = self._bound_values(bound.to_values)
        return f"FOR VALUES FROM ({f_sql}) TO ({t_sql})", f_params + t_params

    def format_create_partition_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("partitioning")
        head = "CREATE TABLE IF NOT EXISTS" if expr.if_not_exists else "CREATE TABLE"
        b_sql, params = expr.bound.to_sql()
        sql = (f"{head} {self.format_qualified_name(expr.name)} PARTITION OF "
               f"{self.format_qualified_name(expr.parent)} {b_sql}")
        params = tuple(params)
        if expr.partition_by is not None:
            self.require_capability("subpartitioning", "sub-partitioning")
            p_sql, p_params = expr.partition_by.to_sql()
            sql += p_sql
            params += tuple(p_params)
        if expr.tablespace:
            sql += f" TABLESPACE {self.format_identifier(expr.tablespace)}"
        return inlined((sql, params))

    def format_attach_partition_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("partitioning", "ATTACH PARTITION")
        b_sql, params = expr.bound.to_sql()
        return inlined((f"ALTER TABLE {self.format_qualified_name(expr.table)} ATTACH PARTITION "
                        f"{self.format_qualified_name(expr.partition)} {b_sql}", params))

    def format_detach_partition_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("partitioning", "DETACH PARTITION")
        sql = (f"ALTER TABLE {self.format_qualified_name(expr.table)} DETACH PARTITION "
               f"{self.format_qualified_name(expr.partition)}")
        if expr.concurrently and expr.finalize:
            raise ValueError("DETACH PARTITION takes CONCURRENTLY or FINALIZE, not both")
        if expr.concurrently or expr.finalize:
            self.require_capability("detach_partition_concurrently", "DETACH PARTITION CONCURRENTLY / FINALIZE")
            sql += " CONCURRENTLY" if expr.concurrently else " FINALIZE"
        return sql, ()


def _is_plain_literal(value: Any) -> bool:
    """A core ``Literal`` that is only a value: no ``.cast()`` and no alias on it."""
    return (type(value) is Literal and not getattr(value, "_cast_types", None)
            and not getattr(value, "alias", None))


def _bound_literal(value: Any) -> str:
    """One Python value as a literal a bound accepts on every version (no ``::cast``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, (float, Decimal)):
        # inf / nan have no bare spelling: bare "inf" is read as a column name.
        # The quoted words are what float8 and numeric (14+) input accepts.
        if isinstance(value, Decimal) and value.is_snan():
            raise ValueError("a signalling NaN cannot be a partition bound")
        if value != value:  # NaN
            return "'NaN'"
        if value in (math.inf, -math.inf) or (isinstance(value, Decimal) and value.is_infinite()):
            return "'Infinity'" if value > 0 else "'-Infinity'"
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        # bytea hex input as a plain string literal (a ::bytea cast is not allowed before 12);
        # E'' keeps the backslash whatever standard_conforming_strings says.
        return "E'\\\\x" + bytes(value).hex() + "'"
    # str, date/time, UUID, ...: their text form, coerced by the server to the key's type.
    return quote_literal(str(value))
