"""How a backend reports failures: translation of psycopg's errors, connection errors
without secrets, and errors that name the parameter a statement could not send.

Mixed into ``PostgresBackendMixin`` (``backend_base.py``); nothing here runs on the
success path of a statement.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import psycopg
from rhosocial.activerecord.backend.errors import ConnectionError

from .connection_health import fatal_notice
from .errors import (
    PostgresErrorInfo,
    output_style_error,
    param_label,
    parameter_error,
    translate_error,
    with_diagnostics,
)
from .redaction import redact_connect_message, redact_conninfo
from .types.range import RANGE_TUPLE_SQLSTATES, range_tuple_hint

__all__ = ["PostgresErrorsMixin"]


class PostgresErrorsMixin:
    """Error reporting for both flavours (needs ``self.config``)."""

    config: Any

    def _lost_in_transaction(self) -> ConnectionError:
        # detected by the client; the server's reason only if it sent a FATAL error while the
        # session was idle (a session timeout, a termination: connection_health.fatal_notice)
        info = fatal_notice(getattr(self, "_connection", None))
        reason = f" (the server said: {info.message}, SQLSTATE {info.sqlstate})" if info else ""
        return with_diagnostics(ConnectionError(
            f"The connection to PostgreSQL was lost inside a transaction{reason}; the server rolled "
            "the transaction back and nothing of it was committed. Roll back (or leave the "
            "transaction block) and start a new transaction; it will reconnect."
        ), info)

    def _connect_error(self, exc: BaseException) -> ConnectionError:
        # psycopg's message names host/port and the libpq reason, never the password;
        # mask it defensively anyway in case a conninfo was echoed back (redaction.py).
        text = redact_connect_message(str(exc).strip(), self.config.password)
        error = ConnectionError(f"Cannot connect to PostgreSQL ({self.config.safe_description()}): {text}")
        # the diagnostic attributes README promises on every error (None when unknown)
        sqlstate = getattr(exc, "sqlstate", None)
        return with_diagnostics(error, PostgresErrorInfo(sqlstate=sqlstate, message=str(error)) if sqlstate else None)

    def _translate(self, exc: BaseException) -> BaseException:
        error = translate_error(exc)
        # only passwords written as in a connection string (a dblink_connect failure):
        # masking our password wherever it appears would confirm guesses echoed back
        text = str(error)
        masked = redact_conninfo(text)
        if masked != text:
            error.args = (masked,)
        return error

    def _statement_error(self, exc: BaseException, context: Any, sent: Any,
                         original: Any = None) -> Optional[BaseException]:
        """A clearer error for a statement that failed because of a parameter, or None.

        Called from the handler around ``cursor.execute`` only (nothing on the success
        path). ``sent`` are the parameters handed to psycopg, ``original`` the caller's
        (before adapter suggestions), ``context`` the connection or cursor whose adapters
        dumped them. Client-side conversion failures name the parameter
        (``errors.parameter_error``); a server refusal of a README range tuple sent to a
        composite column gets the reason appended (``range_tuple_hint``).
        """
        sqlstate = getattr(exc, "sqlstate", None)
        if sqlstate is None:
            return parameter_error(exc, context, sent)
        if original is None or sqlstate not in RANGE_TUPLE_SQLSTATES or original is sent:
            return None
        hint = range_tuple_hint(original, sent, getattr(getattr(exc, "diag", None), "context", None))
        if hint is None:
            return None
        error = self._translate(exc)
        error.args = (f"{error}\n{hint}",)
        return error

    @staticmethod
    def _rows_error(exc: BaseException, context: Any, rows: Sequence[Any],
                    describe: Optional[Callable[[int, Any], str]] = None) -> Optional[BaseException]:
        """``_statement_error`` for a batch (``executemany``, a multi-row INSERT): the first
        parameter set holding the culprit; ``describe(set index, key)`` names the value."""
        if getattr(exc, "sqlstate", None) is not None:
            return None
        if describe is None:
            def describe(number: int, key: Any) -> str:
                return f"{param_label(key)} of parameter set {number + 1}"
        for number, row in enumerate(rows):
            error = parameter_error(exc, context, row, lambda key, n=number: describe(n, key))  # type: ignore[misc]
            if error is not None:
                return error
        return None

    def _translate_or_pass(self, exc: BaseException) -> BaseException:
        """psycopg errors become the core's errors; anything else (cancellation,
        KeyboardInterrupt, the core's own errors) is re-raised untouched."""
        if isinstance(exc, psycopg.Error):
            return self._translate(exc)
        if isinstance(exc, NotImplementedError) and str(exc).startswith("can't parse"):
            return output_style_error(exc)
        return exc
