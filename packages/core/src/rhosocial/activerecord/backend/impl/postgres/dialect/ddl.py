"""DDL where PostgreSQL differs from the core's generic forms, with version gates.

* columns: identity ``GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY [(seq options)]``
  (``is_auto_increment`` -> BY DEFAULT; ``dialect_options["identity"]`` an
  ``IdentityOptions``); generated columns STORED (12) / VIRTUAL (18); inline
  COMMENT does not exist (use ``CommentOnExpression``), so it is not emitted.
* constraints: UNIQUE [NULLS NOT DISTINCT] (15), CHECK, FOREIGN KEY with MATCH,
  ON DELETE/UPDATE and DEFERRABLE INITIALLY DEFERRED/IMMEDIATE, EXCLUDE USING
  (``ExclusionConstraint``), in CREATE TABLE and in ALTER TABLE ADD (+ NOT VALID).
* tables: PARTITION BY (see ``ddl_partition``), WITH (...), TABLESPACE, INHERITS.
* triggers: see ``ddl_trigger``.
* sequences: AS type (10), INCREMENT/START/CACHE/[NO] CYCLE, OWNED BY, ALTER, DROP.
* TRUNCATE (one name, or a list of names). (EXPLAIN options: see ``explain``.)

Names are read by the shared rules in ``names`` (an object name is a str without
a dot, or schema-qualified as a TableExpression / tuple; a tuple is always one name,
only a list is several).

Statements come back with their values inlined and no parameters: the server
takes no bind parameters in DDL (see ``ddl_literals``).
"""

from __future__ import annotations

from typing import Any, List, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression.bases import ToSQLProtocol

from ._host import DialectHost
from .ddl_literals import inlined
from .ddl_trigger import PostgresTriggerDDLMixin
from .explain import PostgresExplainDialectMixin
from .names import catalog_name, object_names, operator_name, path_name, type_name

_FK_MATCH = ("SIMPLE", "FULL")  # MATCH PARTIAL is in the standard, not in PostgreSQL
_SEQUENCE_TYPES = ("smallint", "integer", "bigint")


class PostgresDDLMixin(PostgresTriggerDDLMixin, PostgresExplainDialectMixin, DialectHost):
    # -- columns -----------------------------------------------------------------
    def format_column_definition(self, col_def: Any) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.statements import ColumnConstraintType

        type_sql, _ = col_def.data_type.to_sql(self)
        if type(col_def.data_type).__name__ == "CustomType":  # raw text of the caller's
            type_sql = type_name(type_sql)
        sql = f"{self.format_identifier(col_def.name)} {type_sql}"
        params: List[Any] = []
        opts = col_def.dialect_options or {}
        if opts.get("collation"):
            # One identifier ("C.utf8" is a libc name, not schema "C"): see names.catalog_name.
            sql += f" COLLATE {catalog_name(opts['collation'])}"
        generated = getattr(col_def, "generated_expression", None)
        if generated is not None:
            kind = getattr(getattr(col_def, "generated_type", None), "value", "STORED") or "STORED"
            self.require_capability("virtual_generated_columns" if kind == "VIRTUAL" else "generated_columns",
                                    f"{kind} generated columns")
            g_sql, g_params = generated.to_sql()
            sql += f" GENERATED ALWAYS AS ({g_sql}) {kind}"
            params.extend(g_params)
        identity = opts.get("identity")
        if identity is None and any(getattr(c, "is_auto_increment", False) for c in col_def.constraints):
            identity = "BY DEFAULT"
        if identity is not None:
            sql += self._format_identity(identity)
        for constraint in col_def.constraints:
            if constraint.name and constraint.constraint_type != ColumnConstraintType.NULL:
                sql += f" CONSTRAINT {self.format_identifier(constraint.name)}"
            suffix, c_params = self.format_column_constraint(constraint)
            sql += suffix
            params.extend(c_params)
        return sql, tuple(params)

    def _format_identity(self, identity: Any) -> str:
        from ..expressions.ddl import IdentityOptions

        self.require_capability("identity_columns")
        if isinstance(identity, str):
            identity = IdentityOptions(always=identity.upper() == "ALWAYS")
        elif identity is True:
            identity = IdentityOptions()
        sql = f" GENERATED {'ALWAYS' if identity.always else 'BY DEFAULT'} AS IDENTITY"
        seq = self._sequence_options(start=identity.start, increment=identity.increment,
                                     minvalue=identity.minvalue, maxvalue=identity.maxvalue,
                                     cache=identity.cache, cycle=identity.cycle)
        return sql + (f" ({' '.join(seq)})" if seq else "")

    def format_column_constraint(self, constraint: Any) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.statements import ColumnConstraintType

        opts = constraint.dialect_options or {}
        if constraint.constraint_type == ColumnConstraintType.UNIQUE and opts.get("nulls_not_distinct"):
            self.require_capability("nulls_not_distinct", "UNIQUE NULLS NOT DISTINCT")
            return " UNIQUE NULLS NOT DISTINCT" + self._deferral(constraint), ()
        sql, params = super().format_column_constraint(constraint)
        if constraint.constraint_type in (ColumnConstraintType.UNIQUE, ColumnConstraintType.PRIMARY_KEY):
            sql += self._deferral(constraint)
        return sql, params

    def format_column_fk_constraint(self, constraint: Any) -> Tuple[str, tuple]:
        # The core renders REFERENCES, ON DELETE/UPDATE and DEFERRABLE ... for columns.
        if constraint.deferrable is not None or constraint.initially_deferred is not None:
            self.require_capability("deferrable_constraints")
        return super().format_column_fk_constraint(constraint)

    # -- table constraints ---------------------------------------------------------
    def _deferral(self, constraint: Any) -> str:
        deferrable = getattr(constraint, "deferrable", None)
        initially = getattr(constraint, "initially_deferred", None)
        if deferrable is None and initially is None:
            return ""
        self.require_capability("deferrable_constraints")
        if deferrable is False:
            if initially:
                raise ValueError("a NOT DEFERRABLE constraint cannot be INITIALLY DEFERRED")
            return " NOT DEFERRABLE"
        sql = " DEFERRABLE"
        if initially is not None:
            sql += " INITIALLY DEFERRED" if initially else " INITIALLY IMMEDIATE"
        return sql

    def _columns(self, names: Any) -> str:
        return ", ".join(self.format_identifier(c) for c in names)

    def format_table_constraint_sql(self, t_const: Any) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.statements import (
            ForeignKeyConstraint,
            ReferentialAction,
            TableConstraintType,
        )

        opts = t_const.dialect_options or {}
        params: List[Any] = []
        parts: List[str] = []
        if t_const.name:
            parts.append(f"CONSTRAINT {self.format_identifier(t_const.name)}")
        ctype = t_const.constraint_type
        if ctype == TableConstraintType.PRIMARY_KEY:
            if not t_const.columns:
                raise ValueError("PRIMARY KEY needs at least one column")
            parts.append(f"PRIMARY KEY ({self._columns(t_const.columns)})")
        elif ctype == TableConstraintType.UNIQUE:
            if not t_const.columns:
                raise ValueError("UNIQUE needs at least one column")
            unique = "UNIQUE"
            if opts.get("nulls_not_distinct"):
                self.require_capability("nulls_not_distinct", "UNIQUE NULLS NOT DISTINCT")
                unique += " NULLS NOT DISTINCT"
            parts.append(f"{unique} ({self._columns(t_const.columns)})")
        elif ctype == TableConstraintType.CHECK:
            if t_const.check_condition is None:
                raise ValueError("CHECK needs a condition")
            c_sql, c_params = t_const.check_condition.to_sql()
            parts.append(f"CHECK ({c_sql})")
            params.extend(c_params)
            if opts.get("no_inherit"):
                parts.append("NO INHERIT")
        elif ctype == TableConstraintType.FOREIGN_KEY:
            if not (t_const.columns and t_const.foreign_key_table):
                raise ValueError("FOREIGN KEY needs local columns and a referenced table")
            self.require_capability("foreign_keys")
            target = self.format_qualified_name(t_const.foreign_key_table)
            fk = f"FOREIGN KEY ({self._columns(t_const.columns)}) REFERENCES {target}"
            if t_const.foreign_key_columns:
                fk += f" ({self._columns(t_const.foreign_key_columns)})"
            parts.append(fk)
            if isinstance(t_const, ForeignKeyConstraint):
                if t_const.match_type:
                    match = t_const.match_type.upper()
                    if match not in _FK_MATCH:
                        raise UnsupportedFeatureError(self.name, f"MATCH {match}",
                                                      "PostgreSQL has MATCH SIMPLE and MATCH FULL.")
                    parts.append(f"MATCH {match}")
                if t_const.on_delete not in (None, ReferentialAction.NO_ACTION):
                    parts.append(f"ON DELETE {t_const.on_delete.value}")
                if t_const.on_update not in (None, ReferentialAction.NO_ACTION):
                    parts.append(f"ON UPDATE {t_const.on_update.value}")
        elif ctype == TableConstraintType.EXCLUDE:
            sql, e_params = self._format_exclusion(t_const)
            parts.append(sql)
            params.extend(e_params)
        else:  # pragma: no cover - the core's enum has no other member
            raise UnsupportedFeatureError(self.name, f"table constraint {ctype!r}")
        return " ".join(parts) + self._deferral(t_const), tuple(params)

    def _format_exclusion(self, t_const: Any) -> Tuple[str, tuple]:
        from ..expressions.ddl import ExclusionConstraint

        self.require_capability("exclusion_constraints", "EXCLUDE constraints")
        if not isinstance(t_const, ExclusionConstraint) or not t_const.elements:
            raise ValueError("EXCLUDE needs an ExclusionConstraint with (element, operator) pairs")
        params: List[Any] = []
        elements = []
        for element, operator in t_const.elements:
            if isinstance(element, ToSQLProtocol):
                e_sql, e_params = element.to_sql()
                params.extend(e_params)
                from rhosocial.activerecord.backend.expression.core import Column

                e_sql = e_sql if isinstance(element, Column) else f"({e_sql})"
            else:
                e_sql = self.format_identifier(element)
            # Checked against PostgreSQL's operator-name rules: the operator is written
            # verbatim, so anything looser (e.g. "&&)--") would be SQL of its own.
            try:
                op_sql = operator_name(operator)
            except ValueError as exc:
                raise ValueError(f"invalid exclusion operator: {exc}") from None
            elements.append(f"{e_sql} WITH {op_sql}")
        method = t_const.using.lower()
        if method not in ("gist", "spgist", "btree", "hash"):
            raise ValueError(f"EXCLUDE needs an index method supporting it, got {t_const.using!r}")
        sql = f"EXCLUDE USING {method} ({', '.join(elements)})"
        if t_const.where is not None:
            w_sql, w_params = t_const.where.to_sql()
            sql += f" WHERE ({w_sql})"
            params.extend(w_params)
        return sql, tuple(params)

    # -- tables -----------------------------------------------------------------
    def format_create_table_statement(self, expr: Any) -> Tuple[str, tuple]:
        if getattr(expr, "as_query", None) is not None and expr.partition is not None:
            raise ValueError("CREATE TABLE ... AS cannot be partitioned")
        if expr.if_not_exists:
            self.require_capability("create_table_if_not_exists")
        return inlined(super().format_create_table_statement(expr))

    def format_alter_table_statement(self, expr: Any) -> Tuple[str, tuple]:
        params: List[Any] = []
        actions = []
        for action in expr.actions:
            a_sql, a_params = action.to_sql()
            actions.append(a_sql)
            params.extend(a_params)
        if not actions:
            raise ValueError("ALTER TABLE needs at least one action")
        opts = expr.dialect_options or {}
        head = "ALTER TABLE"
        if opts.get("if_exists"):
            head += " IF EXISTS"
        if opts.get("only"):
            head += " ONLY"
        return inlined((f"{head} {self.format_qualified_name(expr.table_name)} {', '.join(actions)}", tuple(params)))

    def format_add_table_constraint_action(self, action: Any) -> Tuple[str, tuple]:
        sql, params = self.format_table_constraint_sql(action.constraint)
        opts = action.constraint.dialect_options or {}
        validation = opts.get("validation")
        if opts.get("not_valid") or getattr(validation, "name", None) == "NOVALIDATE":
            sql += " NOT VALID"
        return f"ADD {sql}", params

    def format_add_column_action(self, action: Any) -> Tuple[str, tuple]:
        # The core never emits the qualifier; PostgreSQL has it since 9.6.
        column_sql, params = self.format_column_definition(action.column)  # type: ignore[attr-defined]
        keyword = "ADD COLUMN IF NOT EXISTS" if getattr(action, "if_not_exists", False) else "ADD COLUMN"
        return f"{keyword} {column_sql}", params

    def format_drop_table_constraint_action(self, action: Any) -> Tuple[str, tuple]:
        keyword = "DROP CONSTRAINT IF EXISTS" if getattr(action, "if_exists", False) else "DROP CONSTRAINT"
        sql = f"{keyword} {self.format_identifier(action.constraint_name)}"  # type: ignore[attr-defined]
        if getattr(action, "cascade", False):
            sql += " CASCADE"
        return sql, ()

    def format_truncate_statement(self, expr: Any) -> Tuple[str, tuple]:
        # Only a list is several tables; a tuple ("s", "t") is ONE schema-qualified name
        # (reading it as two tables emptied public.s and public.t). See names.object_names.
        sql = "TRUNCATE TABLE " + ", ".join(object_names(expr.table_name, "TRUNCATE's list of tables"))
        if expr.restart_identity:
            sql += " RESTART IDENTITY"
        if expr.cascade:
            sql += " CASCADE"
        return sql, ()

    # -- full text (index DDL lives in ddl_index) -----------------------------
    def format_fulltext_match(self, columns: List[str], search_term: str, mode: Any = None) -> Tuple[str, Tuple]:
        """Full-text search the PostgreSQL way: ``to_tsvector(cols) @@ <query>(%s)``.

        mode None/'natural' -> plainto_tsquery, 'boolean' -> websearch_to_tsquery (11+).
        """
        self.require_capability("fulltext_search")
        doc = " || ' ' || ".join(f"coalesce({self.format_identifier(c)}::text, '')" for c in columns)
        func = "plainto_tsquery"
        if mode and str(mode).upper() == "BOOLEAN":
            self.require_capability("websearch_to_tsquery")
            func = "websearch_to_tsquery"
        ph = self.get_parameter_placeholder()
        return f"to_tsvector({doc}) @@ {func}({ph})", (search_term,)

    # -- sequences ----------------------------------------------------------------
    def _sequence_options(self, *, as_type: Any = None, start: Any = None, increment: Any = None,
                          minvalue: Any = None, maxvalue: Any = None, cache: Any = None, cycle: Any = None,
                          restart: Any = None) -> List[str]:
        parts: List[str] = []
        if as_type:
            self.require_capability("sequence_as_type", "CREATE SEQUENCE ... AS type")
            name = str(as_type).lower()
            if name not in _SEQUENCE_TYPES:
                raise ValueError(f"a sequence is one of {_SEQUENCE_TYPES}, got {as_type!r}")
            parts.append(f"AS {name}")
        for keyword, value in (("INCREMENT BY", increment), ("MINVALUE", minvalue), ("MAXVALUE", maxvalue),
                               ("START WITH", start), ("CACHE", cache)):
            if value is not None:
                parts.append(f"{keyword} {int(value)}")
        if restart is True:
            parts.append("RESTART")
        elif restart is not None and restart is not False:
            parts.append(f"RESTART WITH {int(restart)}")
        if cycle is not None:
            parts.append("CYCLE" if cycle else "NO CYCLE")
        return parts

    def _owned_by(self, owned_by: Any) -> str:
        if owned_by is None:
            return ""
        if owned_by in ("", "NONE", "none"):
            return " OWNED BY NONE"
        return f" OWNED BY {path_name(owned_by)}"  # table.column, a path

    def format_create_sequence_statement(self, expr: Any) -> Tuple[str, tuple]:
        opts = expr.dialect_options or {}
        if getattr(expr, "order", None):
            self.require_capability("sequence_order", "CREATE SEQUENCE ... ORDER")
        head = "CREATE TEMPORARY SEQUENCE" if opts.get("temporary") else "CREATE SEQUENCE"
        if expr.if_not_exists:
            self.require_capability("sequence_if_not_exists", "CREATE SEQUENCE IF NOT EXISTS")
            head += " IF NOT EXISTS"
        parts = [head, self.format_qualified_name(expr.sequence_name)]
        parts += self._sequence_options(as_type=opts.get("as_type"), start=expr.start, increment=expr.increment,
                                        minvalue=expr.minvalue, maxvalue=expr.maxvalue, cache=expr.cache,
                                        cycle=True if expr.cycle else None)
        return " ".join(parts) + self._owned_by(expr.owned_by), ()

    def format_alter_sequence_statement(self, expr: Any) -> Tuple[str, tuple]:
        opts = expr.dialect_options or {}
        if getattr(expr, "order", None) is not None:
            self.require_capability("sequence_order", "ALTER SEQUENCE ... ORDER")
        parts = ["ALTER SEQUENCE"]
        if opts.get("if_exists"):
            parts.append("IF EXISTS")
        parts.append(self.format_qualified_name(expr.sequence_name))
        parts += self._sequence_options(as_type=opts.get("as_type"), start=expr.start, increment=expr.increment,
                                        minvalue=expr.minvalue, maxvalue=expr.maxvalue, cache=expr.cache,
                                        cycle=expr.cycle, restart=expr.restart)
        owned = self._owned_by(expr.owned_by)
        if len(parts) == (3 if opts.get("if_exists") else 2) and not owned:
            raise ValueError("ALTER SEQUENCE needs at least one option")
        return " ".join(parts) + owned, ()

    def format_drop_sequence_statement(self, expr: Any) -> Tuple[str, tuple]:
        opts = expr.dialect_options or {}
        parts = ["DROP SEQUENCE"]
        if expr.if_exists:
            parts.append("IF EXISTS")
        parts.append(self.format_qualified_name(expr.sequence_name))
        if opts.get("cascade"):
            parts.append("CASCADE")
        return " ".join(parts), ()
