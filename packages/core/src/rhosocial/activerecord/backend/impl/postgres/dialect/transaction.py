"""Transaction control SQL: one BEGIN carrying every mode, quoted savepoints,
SET TRANSACTION and SET CONSTRAINTS.

The core's generic BEGIN is bare; PostgreSQL accepts isolation level, access
mode and DEFERRABLE in the BEGIN itself, which saves a round trip and leaves no
window in which the transaction runs with the wrong snapshot rules.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Optional, Tuple, Type, TypeVar

from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionMode

from ._host import DialectHost
from .names import object_name, path_name

_E = TypeVar("_E", bound=Enum)
_SEPARATORS = re.compile(r"[\s_-]+")
_MAX_NAME_BYTES = 63  # NAMEDATALEN - 1


def enum_member(enum: Type[_E], value: Any) -> Optional[_E]:
    """``value`` if it is a member of ``enum``, the member a str names in any spelling
    (``"read only"``, ``"Repeatable-Read"``, ``"READ_COMMITTED"``), else None. The one
    reading of transaction settings, shared with the transaction managers."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        return enum.__members__.get(_SEPARATORS.sub("_", value.strip()).upper())
    return None


def enum_names(enum: Type[Enum]) -> str:
    return ", ".join(name.replace("_", " ") for name in enum.__members__)


def _member(enum: Type[_E], value: Any, what: str) -> _E:
    # Anything else is refused: it would be written into the statement (or silently become
    # the default).
    found = enum_member(enum, value)
    if found is None:
        raise ValueError(f"Unknown {what} {value!r}: expected one of {enum_names(enum)}")
    return found


class PostgresTransactionMixin(DialectHost):
    def _transaction_modes(self, params: dict) -> list[str]:
        modes: list[str] = []
        level = params.get("isolation_level")
        if level is not None:
            level = _member(IsolationLevel, level, "isolation level")
            modes.append(f"ISOLATION LEVEL {self.get_isolation_level_name(level)}")
        mode = params.get("mode")
        if mode is not None:
            mode = _member(TransactionMode, mode, "transaction mode")
            modes.append("READ ONLY" if mode == TransactionMode.READ_ONLY else "READ WRITE")
        deferrable = params.get("deferrable")
        if deferrable is not None:
            # DEFERRABLE only has an effect with SERIALIZABLE READ ONLY; PostgreSQL
            # accepts (and ignores) it otherwise, so it is passed through as asked.
            modes.append("DEFERRABLE" if deferrable else "NOT DEFERRABLE")
        return modes

    def format_begin_transaction(self, expr: Any) -> Tuple[str, tuple]:
        modes = self._transaction_modes(expr.get_params())
        return ("BEGIN " + ", ".join(modes)) if modes else "BEGIN", ()

    def format_set_transaction(self, expr: Any) -> Tuple[str, tuple]:
        params = expr.get_params()
        modes = self._transaction_modes(params)
        if not modes:
            raise ValueError("SET TRANSACTION needs an isolation level, access mode or DEFERRABLE")
        head = "SET SESSION CHARACTERISTICS AS TRANSACTION" if params.get("session") else "SET TRANSACTION"
        return f"{head} {', '.join(modes)}", ()

    def format_commit_transaction(self, expr: Any) -> Tuple[str, tuple]:
        return "COMMIT", ()

    def format_rollback_transaction(self, expr: Any) -> Tuple[str, tuple]:
        savepoint = expr.get_params().get("savepoint")
        if savepoint:
            return f"ROLLBACK TO SAVEPOINT {self._savepoint_name(savepoint)}", ()
        return "ROLLBACK", ()

    def format_savepoint(self, expr: Any) -> Tuple[str, tuple]:
        return f"SAVEPOINT {self._savepoint_name(expr.name)}", ()

    def format_release_savepoint(self, expr: Any) -> Tuple[str, tuple]:
        return f"RELEASE SAVEPOINT {self._savepoint_name(expr.name)}", ()

    def _savepoint_name(self, name: Any) -> str:
        # The server cuts identifiers to NAMEDATALEN-1 = 63 bytes (with only a NOTICE): two
        # longer names sharing their first 63 bytes would be one savepoint, and ROLLBACK TO
        # the first would roll back to the second. format_identifier refuses NUL.
        if isinstance(name, str) and len(name.encode("utf-8")) > _MAX_NAME_BYTES:
            raise ValueError(f"savepoint name {name[:20]!r}... is {len(name.encode('utf-8'))} bytes; PostgreSQL "
                             f"keeps only the first {_MAX_NAME_BYTES}, so two such names could be one savepoint")
        return self.format_identifier(name)

    def format_qualified_name(self, name: Any) -> str:
        """One object name in DDL: a str is ONE identifier (``"`` doubled) and a str with a
        dot is refused (``ValueError``: it would silently name another object), a core
        ``TableExpression`` with ``schema_name`` or a tuple ``("s", "t")`` is
        schema-qualified, a 1-tuple ``("a.b",)`` is a name containing a dot, a list is
        refused (several names). See ``names`` for why every statement shares this rule."""
        return object_name(name)

    def format_set_constraints(self, names: Any, deferred: bool) -> str:
        """``SET CONSTRAINTS ALL|"a", "s"."b" DEFERRED|IMMEDIATE``.

        ``names``: None (ALL), one name, or a list of names. A name is a dotted path
        (``s.fk`` = constraint fk of schema s, ``'"a.b"'`` one name with a dot) or a tuple
        of its parts: ``("s", "fk")`` is ONE constraint, never two (only a list is several),
        read strictly by ``names.path_name``."""
        timing = "DEFERRED" if deferred else "IMMEDIATE"
        if names is None:
            return f"SET CONSTRAINTS ALL {timing}"
        if isinstance(names, (str, tuple)):
            names = [names]
        elif not isinstance(names, list):
            raise TypeError(f"SET CONSTRAINTS takes None, a name (str / tuple) or a list of names, "
                            f"got {type(names).__name__}")
        if not names:
            raise ValueError("SET CONSTRAINTS needs at least one constraint name, or None for ALL")
        return f"SET CONSTRAINTS {', '.join(path_name(n) for n in names)} {timing}"
