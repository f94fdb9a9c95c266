"""PostgreSQL schema objects the core has no expression class for: enum types, domains,
extensions, row-level security policies, comments. Like ``ddl.py``, each class only holds
the statement's parts; ``to_sql()`` asks the dialect (``dialect/ddl_objects.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence, Union

from rhosocial.activerecord.backend.expression.bases import BaseExpression, SQLPredicate, SQLQueryAndParams
from rhosocial.activerecord.backend.expression.statements import AlterTableAction
from rhosocial.activerecord.backend.expression.types import DataType

__all__ = [
    "CreateEnumTypeExpression",
    "AlterEnumAddValueExpression",
    "AlterEnumRenameValueExpression",
    "DropTypeExpression",
    "DomainCheck",
    "CreateDomainExpression",
    "DropDomainExpression",
    "CreateExtensionExpression",
    "DropExtensionExpression",
    "RowLevelSecurityAction",
    "CreatePolicyExpression",
    "DropPolicyExpression",
    "CommentOnExpression",
]

Value = Union[BaseExpression, Any]


# ---------------------------------------------------------------- enum types
class CreateEnumTypeExpression(BaseExpression):
    """``CREATE TYPE name AS ENUM ('a', 'b', ...)``."""

    def __init__(self, dialect, name: str, values: Sequence[str]):
        super().__init__(dialect)
        self.name = name
        self.values = list(values)

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_create_enum_type_statement(self)


class AlterEnumAddValueExpression(BaseExpression):
    """``ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE 'x' | AFTER 'y']``."""

    def __init__(self, dialect, name: str, value: str, *, before: str | None = None,
                 after: str | None = None, if_not_exists: bool = False):
        super().__init__(dialect)
        if before is not None and after is not None:
            raise ValueError("ADD VALUE takes BEFORE or AFTER, not both")
        self.name = name
        self.value = value
        self.before = before
        self.after = after
        self.if_not_exists = if_not_exists

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_alter_enum_add_value_statement(self)


class AlterEnumRenameValueExpression(BaseExpression):
    """``ALTER TYPE name RENAME VALUE 'old' TO 'new'`` (10+)."""

    def __init__(self, dialect, name: str, old_value: str, new_value: str):
        super().__init__(dialect)
        self.name = name
        self.old_value = old_value
        self.new_value = new_value

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_alter_enum_rename_value_statement(self)


class DropTypeExpression(BaseExpression):
    """``DROP TYPE [IF EXISTS] name [CASCADE]``."""

    def __init__(self, dialect, name: str, *, if_exists: bool = False, cascade: bool = False):
        super().__init__(dialect)
        self.name = name
        self.if_exists = if_exists
        self.cascade = cascade

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_drop_type_statement(self)


# ---------------------------------------------------------------- domains
@dataclass
class DomainCheck:
    """A domain CHECK; inside ``condition`` refer to the checked value as
    ``Column(dialect, "value")`` (PostgreSQL's VALUE keyword)."""

    condition: SQLPredicate
    name: str | None = None


class CreateDomainExpression(BaseExpression):
    """``CREATE DOMAIN name AS type [COLLATE c] [DEFAULT expr] [NOT NULL] [CONSTRAINT n CHECK (...)]``."""

    def __init__(self, dialect, name: str, data_type: Union[DataType, str], *, default: Value = None,
                 not_null: bool = False, checks: Sequence[DomainCheck] = (), collation: str | None = None):
        super().__init__(dialect)
        self.name = name
        self.data_type = data_type
        self.default = default
        self.not_null = not_null
        self.checks = list(checks)
        self.collation = collation

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_create_domain_statement(self)


class DropDomainExpression(BaseExpression):
    """``DROP DOMAIN [IF EXISTS] name [CASCADE]``."""

    def __init__(self, dialect, name: str, *, if_exists: bool = False, cascade: bool = False):
        super().__init__(dialect)
        self.name = name
        self.if_exists = if_exists
        self.cascade = cascade

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_drop_domain_statement(self)


# ---------------------------------------------------------------- extensions
class CreateExtensionExpression(BaseExpression):
    """``CREATE EXTENSION [IF NOT EXISTS] name [SCHEMA s] [VERSION v] [CASCADE]``."""

    def __init__(self, dialect, name: str, *, if_not_exists: bool = True, schema: str | None = None,
                 version: str | None = None, cascade: bool = False):
        super().__init__(dialect)
        self.name = name
        self.if_not_exists = if_not_exists
        self.schema = schema
        self.version = version
        self.cascade = cascade

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_create_extension_statement(self)


class DropExtensionExpression(BaseExpression):
    """``DROP EXTENSION [IF EXISTS] name [CASCADE]``."""

    def __init__(self, dialect, name: str, *, if_exists: bool = False, cascade: bool = False):
        super().__init__(dialect)
        self.name = name
        self.if_exists = if_exists
        self.cascade = cascade

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_drop_extension_statement(self)


# ---------------------------------------------------------------- row-level security
class RowLevelSecurityAction(AlterTableAction):
    """An ALTER TABLE action: ``ENABLE | DISABLE | FORCE | NO FORCE ROW LEVEL SECURITY``."""

    MODES = ("ENABLE", "DISABLE", "FORCE", "NO FORCE")

    def __init__(self, dialect, mode: str = "ENABLE"):
        super().__init__(dialect)
        mode = mode.upper()
        if mode not in self.MODES:
            raise ValueError(f"row level security mode must be one of {self.MODES}, got {mode!r}")
        self.mode = mode

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_row_level_security_action(self)


class CreatePolicyExpression(BaseExpression):
    """``CREATE POLICY name ON table [AS PERMISSIVE|RESTRICTIVE] [FOR cmd] [TO roles]
    [USING (...)] [WITH CHECK (...)]``. ``restrictive=None`` leaves the AS clause out
    (PERMISSIVE is the default; the AS clause needs 10+)."""

    COMMANDS = ("ALL", "SELECT", "INSERT", "UPDATE", "DELETE")

    def __init__(self, dialect, name: str, table: str, *, restrictive: bool | None = None,
                 command: str = "ALL", roles: Sequence[str] = (), using: SQLPredicate | None = None,
                 with_check: SQLPredicate | None = None):
        super().__init__(dialect)
        command = command.upper()
        if command not in self.COMMANDS:
            raise ValueError(f"policy command must be one of {self.COMMANDS}, got {command!r}")
        if command == "INSERT" and using is not None:
            raise ValueError("an INSERT policy takes WITH CHECK only, not USING")
        if command in ("SELECT", "DELETE") and with_check is not None:
            raise ValueError(f"a {command} policy takes USING only, not WITH CHECK")
        self.name = name
        self.table = table
        self.restrictive = restrictive
        self.command = command
        self.roles = list(roles)
        self.using = using
        self.with_check = with_check

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_create_policy_statement(self)


class DropPolicyExpression(BaseExpression):
    """``DROP POLICY [IF EXISTS] name ON table``."""

    def __init__(self, dialect, name: str, table: str, *, if_exists: bool = False):
        super().__init__(dialect)
        self.name = name
        self.table = table
        self.if_exists = if_exists

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_drop_policy_statement(self)


# ---------------------------------------------------------------- comments
class CommentOnExpression(BaseExpression):
    """``COMMENT ON <object_type> name IS 'text'`` (``comment=None`` removes it: ``IS NULL``).

    ``object_type``: TABLE, COLUMN (name ``table.column``), INDEX, VIEW,
    MATERIALIZED VIEW, SEQUENCE, TYPE, DOMAIN, SCHEMA, EXTENSION. A COLUMN name is a
    dotted path (quote a part containing a dot: ``'"a.b".c'``, or pass a tuple); any
    other name is an object name: a str without a dot (a dotted str is refused), a tuple
    ``("s", "t")`` / ``TableExpression`` when schema-qualified, ``("a.b",)`` for a dotted name."""

    OBJECT_TYPES = ("TABLE", "COLUMN", "INDEX", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "TYPE", "DOMAIN",
                    "SCHEMA", "EXTENSION")

    def __init__(self, dialect, object_type: str, name: str, comment: str | None):
        super().__init__(dialect)
        object_type = object_type.upper()
        if object_type not in self.OBJECT_TYPES:
            raise ValueError(f"COMMENT ON supports {self.OBJECT_TYPES}, got {object_type!r}")
        self.object_type = object_type
        self.name = name
        self.comment = comment

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_comment_on_statement(self)
