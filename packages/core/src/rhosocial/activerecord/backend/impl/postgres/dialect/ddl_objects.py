"""Schema objects that are not tables: enum types, domains, extensions,
row-level security policies, comments (expression classes in ``..expressions.ddl``).

* ``CREATE TYPE t AS ENUM (...)``, ``ALTER TYPE t ADD VALUE [IF NOT EXISTS] 'v'
  [BEFORE|AFTER 'x']``, ``ALTER TYPE t RENAME VALUE 'a' TO 'b'`` (10), ``DROP TYPE``.
  Before 12, ADD VALUE cannot run inside a transaction block (unless the type
  was created in that transaction): run it in autocommit there.
* ``CREATE DOMAIN d AS type [COLLATE] [DEFAULT] [NOT NULL] [CONSTRAINT n CHECK (...)]``, ``DROP DOMAIN``.
* ``CREATE EXTENSION [IF NOT EXISTS] e [SCHEMA s] [VERSION v] [CASCADE]``, ``DROP EXTENSION``.
* ``ALTER TABLE t ENABLE|DISABLE|FORCE|NO FORCE ROW LEVEL SECURITY`` (an ALTER TABLE action),
  ``CREATE POLICY p ON t [AS PERMISSIVE|RESTRICTIVE] (10) [FOR cmd] [TO roles] [USING (..)]
  [WITH CHECK (..)]``, ``DROP POLICY [IF EXISTS] p ON t``.
* ``COMMENT ON TABLE|COLUMN|INDEX|... name IS 'text' | NULL`` (COLUMN takes a ``table.column`` path;
  other kinds an object name, see ``names``).
"""

from __future__ import annotations

from typing import Any, List, Tuple

from rhosocial.activerecord.backend.expression.bases import ToSQLProtocol

from ._host import DialectHost
from .ddl_literals import inlined, quote_literal
from .names import catalog_name, path_name, type_name

# Role names that are keywords in a TO list, not identifiers.
_ROLE_KEYWORDS = {"PUBLIC": None, "CURRENT_USER": None, "SESSION_USER": None,
                  "CURRENT_ROLE": "current_role_in_role_spec"}


class PostgresObjectDDLMixin(DialectHost):
    # -- enum types --------------------------------------------------------------
    def format_create_enum_type_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("enum_types")
        labels = ", ".join(quote_literal(str(v)) for v in expr.values)
        return f"CREATE TYPE {self.format_qualified_name(expr.name)} AS ENUM ({labels})", ()

    def format_alter_enum_add_value_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("enum_add_value", "ALTER TYPE ... ADD VALUE")
        sql = f"ALTER TYPE {self.format_qualified_name(expr.name)} ADD VALUE"
        if expr.if_not_exists:
            self.require_capability("enum_add_value_if_not_exists", "ADD VALUE IF NOT EXISTS")
            sql += " IF NOT EXISTS"
        sql += f" {quote_literal(str(expr.value))}"
        if expr.before is not None:
            sql += f" BEFORE {quote_literal(str(expr.before))}"
        elif expr.after is not None:
            sql += f" AFTER {quote_literal(str(expr.after))}"
        return sql, ()

    def format_alter_enum_rename_value_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("enum_rename_value", "ALTER TYPE ... RENAME VALUE")
        return (f"ALTER TYPE {self.format_qualified_name(expr.name)} RENAME VALUE "
                f"{quote_literal(str(expr.old_value))} TO {quote_literal(str(expr.new_value))}"), ()

    def format_drop_type_statement(self, expr: Any) -> Tuple[str, tuple]:
        return self._drop("TYPE", expr), ()

    def _drop(self, kind: str, expr: Any) -> str:
        parts = [f"DROP {kind}"]
        if expr.if_exists:
            parts.append("IF EXISTS")
        parts.append(self.format_qualified_name(expr.name))
        if expr.cascade:
            parts.append("CASCADE")
        return " ".join(parts)

    # -- domains -----------------------------------------------------------------
    def format_create_domain_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("domains")
        if isinstance(expr.data_type, str):
            type_sql = type_name(expr.data_type)  # written verbatim: a type name and nothing more
        else:
            type_sql, _ = expr.data_type.to_sql(self)
            if type(expr.data_type).__name__ == "CustomType":
                type_sql = type_name(type_sql)
        params: List[Any] = []
        parts = [f"CREATE DOMAIN {self.format_qualified_name(expr.name)} AS {type_sql}"]
        if expr.collation:
            parts.append(f"COLLATE {catalog_name(expr.collation)}")  # one identifier: "C.utf8"
        if expr.default is not None:
            if isinstance(expr.default, ToSQLProtocol):
                d_sql, d_params = expr.default.to_sql()
                params.extend(d_params)
            else:
                d_sql = quote_literal(expr.default)
            parts.append(f"DEFAULT {d_sql}")
        if expr.not_null:
            parts.append("NOT NULL")
        for check in expr.checks:
            c_sql, c_params = check.condition.to_sql()
            params.extend(c_params)
            name = f"CONSTRAINT {self.format_identifier(check.name)} " if check.name else ""
            parts.append(f"{name}CHECK ({c_sql})")
        return inlined((" ".join(parts), tuple(params)))

    def format_drop_domain_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("domains")
        return self._drop("DOMAIN", expr), ()

    # -- extensions ----------------------------------------------------------------
    def format_create_extension_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("extension_ddl", "CREATE EXTENSION")
        parts = ["CREATE EXTENSION"]
        if expr.if_not_exists:
            parts.append("IF NOT EXISTS")
        parts.append(self.format_identifier(expr.name))
        if expr.schema:
            parts.append(f"SCHEMA {self.format_identifier(expr.schema)}")
        if expr.version:
            parts.append(f"VERSION {quote_literal(str(expr.version))}")
        if expr.cascade:
            parts.append("CASCADE")
        return " ".join(parts), ()

    def format_drop_extension_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("extension_ddl", "DROP EXTENSION")
        parts = ["DROP EXTENSION"]
        if expr.if_exists:
            parts.append("IF EXISTS")
        parts.append(self.format_identifier(expr.name))
        if expr.cascade:
            parts.append("CASCADE")
        return " ".join(parts), ()

    # -- row-level security ----------------------------------------------------------
    def format_row_level_security_action(self, action: Any) -> Tuple[str, tuple]:
        self.require_capability("row_level_security", "ROW LEVEL SECURITY")
        return f"{action.mode} ROW LEVEL SECURITY", ()

    def _role(self, role: str) -> str:
        upper = role.upper()
        if upper in _ROLE_KEYWORDS:
            capability = _ROLE_KEYWORDS[upper]
            if capability:
                self.require_capability(capability, upper)
            return upper
        return self.format_identifier(role)

    def format_create_policy_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("row_level_security", "CREATE POLICY")
        params: List[Any] = []
        parts = [f"CREATE POLICY {self.format_identifier(expr.name)} ON {self.format_qualified_name(expr.table)}"]
        if expr.restrictive is not None:
            self.require_capability("restrictive_policies", "CREATE POLICY ... AS PERMISSIVE|RESTRICTIVE")
            parts.append("AS RESTRICTIVE" if expr.restrictive else "AS PERMISSIVE")
        parts.append(f"FOR {expr.command}")
        if expr.roles:
            parts.append("TO " + ", ".join(self._role(r) for r in expr.roles))
        for keyword, predicate in (("USING", expr.using), ("WITH CHECK", expr.with_check)):
            if predicate is not None:
                p_sql, p_params = predicate.to_sql()
                parts.append(f"{keyword} ({p_sql})")
                params.extend(p_params)
        return inlined((" ".join(parts), tuple(params)))

    def format_drop_policy_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("row_level_security", "DROP POLICY")
        exists = " IF EXISTS" if expr.if_exists else ""
        return (f"DROP POLICY{exists} {self.format_identifier(expr.name)} ON "
                f"{self.format_qualified_name(expr.table)}"), ()

    # -- comments ------------------------------------------------------------------
    def format_comment_on_statement(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("comment_on", "COMMENT ON")
        if expr.object_type in ("SCHEMA", "EXTENSION"):
            name = self.format_identifier(expr.name)
        elif expr.object_type == "COLUMN":
            name = path_name(expr.name)  # table.column (or schema.table.column): a path by nature
        else:
            name = self.format_qualified_name(expr.name)  # an object name, read like CREATE TABLE's
        text = "NULL" if expr.comment is None else quote_literal(str(expr.comment))
        return f"COMMENT ON {expr.object_type} {name} IS {text}", ()
