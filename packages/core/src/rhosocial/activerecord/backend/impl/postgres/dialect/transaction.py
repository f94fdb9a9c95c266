"""Transaction control SQL: one BEGIN carrying every mode, quoted savepoints,
SET TRANSACTION and SET CONSTRAINTS.

The core's generic BEGIN is bare; PostgreSQL accepts isolation level, access
mode and DEFERRABLE in the BEGIN itself, which saves a round trip and leaves no
window in which the transaction runs with the wrong snapshot rules.
"""

from __future__ import annotations

from typing import Any, Sequence, Tuple

from ._host import DialectHost


class PostgresTransactionMixin(DialectHost):
    def _transaction_modes(self, params: dict) -> list[str]:
        modes: list[str] = []
        level = params.get("isolation_level")
        if level is not None:
            modes.append(f"ISOLATION LEVEL {self.get_isolation_level_name(level)}")
        mode = params.get("mode")
        if mode is not None:
            name = getattr(mode, "name", str(mode)).upper()
            modes.append("READ ONLY" if name in ("READ_ONLY", "READ ONLY") else "READ WRITE")
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
            return f"ROLLBACK TO SAVEPOINT {self.format_identifier(savepoint)}", ()
        return "ROLLBACK", ()

    def format_savepoint(self, expr: Any) -> Tuple[str, tuple]:
        return f"SAVEPOINT {self.format_identifier(expr.name)}", ()

    def format_release_savepoint(self, expr: Any) -> Tuple[str, tuple]:
        return f"RELEASE SAVEPOINT {self.format_identifier(expr.name)}", ()

    def format_qualified_name(self, name: str) -> str:
        """Quote a possibly schema-qualified name part by part: ``s.c`` -> ``"s"."c"``.

        A name already written with double quotes is split on dots outside quotes
        and kept as written (so ``"a.b"`` stays one identifier).
        """
        parts: list[tuple[str, bool]] = []  # (name part, was written quoted)
        buf: list[str] = []
        quoted = False
        was_quoted = False
        i = 0
        while i < len(name):
            ch = name[i]
            if ch == '"':
                if quoted and i + 1 < len(name) and name[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                quoted = not quoted
                was_quoted = True
            elif ch == "." and not quoted:
                parts.append(("".join(buf), was_quoted))
                buf, was_quoted = [], False
            else:
                buf.append(ch)
            i += 1
        parts.append(("".join(buf), was_quoted))
        if any(not p for p, _ in parts):
            raise ValueError(f"invalid qualified name: {name!r}")
        return ".".join(self.format_identifier(p) for p, _ in parts)

    def format_set_constraints(self, names: Sequence[str] | None, deferred: bool) -> str:
        """``SET CONSTRAINTS ALL|"a", "s"."b" DEFERRED|IMMEDIATE`` (names quoted per part)."""
        timing = "DEFERRED" if deferred else "IMMEDIATE"
        if names is None:
            return f"SET CONSTRAINTS ALL {timing}"
        if isinstance(names, str):
            names = [names]
        if not names:
            raise ValueError("SET CONSTRAINTS needs at least one constraint name, or None for ALL")
        return f"SET CONSTRAINTS {', '.join(self.format_qualified_name(n) for n in names)} {timing}"
