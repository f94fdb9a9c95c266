"""SQLSTATE -> the core's error classes.

The SQLSTATE code is the only reliable key to what went wrong: messages are
localised and change between versions (the public reference backend matched
message text, so its deadlock branch could never fire). psycopg exposes it as
``exc.sqlstate`` and the details (constraint, table, column, ...) as
``exc.diag``; both stay reachable on the translated error:

>>> err.sqlstate, err.constraint_name, err.table_name   # doctest: +SKIP
('23505', 'users_email_key', 'users')

Nothing here does I/O: the sync and async backends call :func:`translate_error`
and raise what it returns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Type, TypeVar

import psycopg
from psycopg.adapt import PyFormat, Transformer
from rhosocial.activerecord.backend.errors import (
    ConnectionError,
    DatabaseError,
    DeadlockError,
    IntegrityError,
    LockError,
    OperationalError,
    QueryError,
    TransactionError,
)

__all__ = [
    "PostgresErrorInfo",
    "SerializationError",
    "QueryCanceledError",
    "StatementTimeoutError",
    "DataError",
    "ReadOnlyTransactionError",
    "AfterCommitHookError",
    "translate_error",
    "parameter_error",
    "param_label",
    "is_retryable",
    "with_diagnostics",
    "transaction_error_class",
    "DIAGNOSTIC_ATTRIBUTES",
]

#: Attributes every database error raised by this backend carries (None when unknown).
DIAGNOSTIC_ATTRIBUTES = ("sqlstate", "pg", "constraint_name", "table_name", "column_name", "schema_name")


class SerializationError(TransactionError):
    """SQLSTATE 40001: the transaction lost a serialization conflict.

    Retryable: run the whole transaction again (see ``retry_transaction``).
    """

    retryable = True


# A deadlock victim can also simply retry.
DeadlockError.retryable = True  # type: ignore[attr-defined]


class QueryCanceledError(OperationalError):
    """SQLSTATE 57014: the statement was cancelled (user request or task cancellation)."""


class StatementTimeoutError(QueryCanceledError):
    """SQLSTATE 57014 raised because ``statement_timeout`` elapsed."""


class DataError(DatabaseError):
    """SQLSTATE class 22: a value the server cannot accept (out of range, bad format, NUL byte, ...).

    Also raised, with ``sqlstate`` None, when psycopg cannot convert a parameter at all
    (a lone surrogate in a str, an object JSON cannot encode): see :func:`parameter_error`.
    """


class ReadOnlyTransactionError(TransactionError):
    """SQLSTATE 25006: a write inside a READ ONLY transaction or on a hot standby."""


class AfterCommitHookError(TransactionError):
    """An AFTER_COMMIT event handler failed *after* the COMMIT succeeded: the transaction's
    work is committed. The handler's error is ``__cause__``. Never re-run the transaction
    because of it (``retry_transaction`` does not, whatever the cause's SQLSTATE)."""

    committed = True
    retryable = False


class PoolExhaustedError(ConnectionError):
    """Every pooled connection stayed in use for ``pool_timeout`` seconds (``pool_max_size``
    reached). A ``ConnectionError``, so existing handlers catch it; nothing was sent, and
    ``retry_transaction`` does not retry it (it only re-runs serialization failures and deadlocks)."""


class PooledSessionStateError(QueryError):
    """A statement that changes the session (``SET`` without ``LOCAL``, ``CREATE TEMP TABLE``,
    ``LISTEN``, ...) outside a transaction on a pooled backend: it would change one arbitrary
    pooled connection and leak to its next borrower. Nothing was sent."""


@dataclass(frozen=True)
class PostgresErrorInfo:
    """The server's diagnostic fields, attached to every translated error as ``.pg``."""

    sqlstate: Optional[str] = None
    message: Optional[str] = None
    detail: Optional[str] = None
    hint: Optional[str] = None
    schema_name: Optional[str] = None
    table_name: Optional[str] = None
    column_name: Optional[str] = None
    constraint_name: Optional[str] = None
    datatype_name: Optional[str] = None

    @classmethod
    def from_psycopg(cls, exc: Any) -> "PostgresErrorInfo":  # a psycopg error, or any .diag holder
        diag = getattr(exc, "diag", None)
        if diag is None:
            return cls(message=str(exc))
        return cls(
            sqlstate=getattr(exc, "sqlstate", None) or diag.sqlstate,
            message=diag.message_primary or str(exc),
            detail=diag.message_detail,
            hint=diag.message_hint,
            schema_name=diag.schema_name,
            table_name=diag.table_name,
            column_name=diag.column_name,
            constraint_name=diag.constraint_name,
            datatype_name=diag.datatype_name,
        )


# Exact codes first, then classes (first two characters).
_BY_CODE: dict[str, Type[DatabaseError]] = {
    "40P01": DeadlockError,
    "40001": SerializationError,
    "55P03": LockError,  # lock_not_available: NOWAIT and lock_timeout
    "57014": QueryCanceledError,
    "25006": ReadOnlyTransactionError,
    "25P02": TransactionError,  # in_failed_sql_transaction
    "57P01": ConnectionError,  # admin_shutdown (pg_terminate_backend)
    "57P02": ConnectionError,  # crash_shutdown
    "57P03": ConnectionError,  # cannot_connect_now
    # always FATAL (see _ends_session); listed so that they map right even without a severity
    "25P03": ConnectionError,  # idle_in_transaction_session_timeout
    "25P04": ConnectionError,  # transaction_timeout (PostgreSQL 17+)
    "57P05": ConnectionError,  # idle_session_timeout (PostgreSQL 14+)
    "53300": ConnectionError,  # too_many_connections
}
_BY_CLASS: dict[str, Type[DatabaseError]] = {
    "08": ConnectionError,
    "23": IntegrityError,
    "22": DataError,
    "42": QueryError,
    "40": TransactionError,
    "25": TransactionError,
    "53": OperationalError,
    "54": QueryError,  # program_limit_exceeded (e.g. too many bind parameters)
    "55": OperationalError,
    "57": OperationalError,
    "28": ConnectionError,  # invalid authorization
    "3D": ConnectionError,  # invalid catalog name (missing database at connect)
    "0A": QueryError,  # feature_not_supported
    "21": QueryError,  # cardinality_violation
    "44": IntegrityError,  # with_check_option_violation
    "P0": QueryError,  # PL/pgSQL raise_exception
    "XX": OperationalError,
}


def _ends_session(exc: BaseException) -> bool:
    """True for a FATAL (or PANIC) error: the server closes the session after sending it.

    Whatever its SQLSTATE (a timeout of class 25, a recovery conflict, a dropped database),
    the caller has lost the connection, and with it any open transaction: that is a
    ``ConnectionError``. (The SQLSTATE stays on the error: ``retry_transaction`` still
    recognises a FATAL serialization failure by it.)
    """
    diag = getattr(exc, "diag", None)
    if diag is None:
        return False
    # the non-localised field exists from PostgreSQL 9.6; the localised one before that
    severity = diag.severity_nonlocalized or diag.severity
    return severity in ("FATAL", "PANIC")


def _error_class(exc: BaseException) -> Type[DatabaseError]:
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate and _ends_session(exc):
        return ConnectionError
    if sqlstate:
        cls = _BY_CODE.get(sqlstate) or _BY_CLASS.get(sqlstate[:2])
        if cls is not None:
            # 57014 is shared by cancel requests and statement_timeout; only the message
            # tells them apart, and it is localised: best effort (English lc_messages),
            # otherwise the error stays a QueryCanceledError.
            if cls is QueryCanceledError and "statement timeout" in str(exc):
                return StatementTimeoutError
            return cls
    if isinstance(exc, psycopg.OperationalError):
        # No SQLSTATE: libpq-level failure (server gone, socket closed, refused).
        return ConnectionError
    if isinstance(exc, psycopg.InterfaceError):
        return ConnectionError
    if isinstance(exc, psycopg.DataError):
        return DataError
    if isinstance(exc, psycopg.IntegrityError):
        return IntegrityError
    if isinstance(exc, psycopg.ProgrammingError):
        return QueryError
    return DatabaseError


def translate_error(exc: BaseException, *, context: str = "") -> DatabaseError:
    """Return the core error matching a psycopg exception (not raised: the caller raises).

    Errors that are already the core's pass through unchanged. The result keeps
    ``sqlstate``, ``pg`` (a :class:`PostgresErrorInfo`) and the diagnostic names
    as attributes, and chains the psycopg exception as ``__cause__``.
    """
    if isinstance(exc, DatabaseError):
        return with_diagnostics(exc)
    if (isinstance(exc, (ValueError, TypeError, psycopg.DataError))
            and getattr(exc, "sqlstate", None) is None and "NUL" in str(exc)):
        # psycopg refuses strings containing "\x00" before sending anything.
        cls: Type[DatabaseError] = DataError
        info = PostgresErrorInfo(sqlstate="22021", message=str(exc))
    else:
        cls = _error_class(exc)
        info = PostgresErrorInfo.from_psycopg(exc)
    text = str(exc).strip() or type(exc).__name__
    if context:
        text = f"{context}: {text}"
    error = with_diagnostics(cls(text), info)
    error.__cause__ = exc
    return error


def output_style_error(exc: NotImplementedError) -> DatabaseError:
    """psycopg's loaders refusing a result written in a DateStyle/IntervalStyle they cannot parse
    (``SET DateStyle = 'SQL'``): a DataError that says which setting to change back."""
    error = with_diagnostics(DataError(
        f"{exc}: psycopg reads timestamptz only in DateStyle ISO and interval only in IntervalStyle "
        "postgres; SET them back (or format the value with to_char() in the query)"),
        PostgresErrorInfo(message=str(exc)))
    error.__cause__ = exc
    return error


def param_label(key: Any) -> str:
    """``$1`` for a positional parameter's index, ``%(name)s`` for a named one."""
    return f"%({key})s" if isinstance(key, str) else f"${key + 1}"


def parameter_error(exc: BaseException, context: Any, params: Any,
                    label: Callable[[Any], str] = param_label) -> Optional[DatabaseError]:
    """The error for a parameter psycopg failed to convert, or None if ``exc`` is not that.

    psycopg dumps parameters before sending anything, and a dumper's own exception escapes
    as is (``UnicodeEncodeError`` for a lone surrogate, ``TypeError`` from ``json.dumps``)
    or as a client-side ``psycopg.DataError``/``ProgrammingError`` (NUL, mixed lists, no
    adapter). Called only from an exception handler, so the success path pays nothing: the
    parameters are dumped again one by one with ``context``'s adapters (a connection or
    cursor, no I/O) and the first one raising the same exception type is the culprit. The
    result names it (``$2``, ``%(name)s`` or what ``label`` makes of its index) and its
    Python type, and chains ``exc`` as ``__cause__``: a ``DataError`` with ``sqlstate``
    None for Python exceptions, psycopg's own errors keep their translation (NUL: 22021).
    """
    if not isinstance(exc, Exception) or isinstance(exc, DatabaseError) or getattr(exc, "sqlstate", None):
        return None
    if isinstance(exc, psycopg.Error) and not isinstance(exc, (psycopg.DataError, psycopg.ProgrammingError)):
        return None  # connection-level failures (no SQLSTATE) are not about a value
    try:
        transformer = Transformer(context)
        items = params.items() if isinstance(params, dict) else enumerate(params)
        for key, value in items:
            if value is None:
                continue
            try:
                transformer.get_dumper(value, PyFormat.AUTO).dump(value)
            except Exception as again:
                if type(again) is not type(exc):
                    return None
                where = f"parameter {label(key)} ({type(value).__name__})"
                if isinstance(exc, psycopg.Error):
                    return translate_error(exc, context=where)
                text = f"{where} cannot be converted for PostgreSQL: {str(exc).strip() or type(exc).__name__}"
                error = with_diagnostics(DataError(text))
                error.__cause__ = exc
                return error
    except Exception:  # the diagnosis must never hide the original error
        return None
    return None


_E = TypeVar("_E", bound=BaseException)


def with_diagnostics(error: _E, info: Optional[PostgresErrorInfo] = None) -> _E:
    """Give ``error`` the diagnostic attributes README promises on every error.

    Values come from ``info`` (the server's diagnostics); attributes already set are
    kept, missing ones become None. Errors the backend raises itself (connection
    refused, connection lost, a refused COMMIT) thus answer ``e.sqlstate`` and ``e.pg``
    with None instead of AttributeError.
    """
    for name in DIAGNOSTIC_ATTRIBUTES:
        if getattr(error, name, None) is None:
            value = info if name == "pg" else getattr(info, name, None)
            setattr(error, name, value)
    return error


# Classes combining a translated error class with the core's TransactionError,
# created once per class (see transaction_error_class).
_TRANSACTION_CLASSES: Dict[type, type] = {}
_TRANSACTION_CLASSES_LOCK = threading.Lock()


def transaction_error_class(cls: Type[DatabaseError]) -> Type[DatabaseError]:
    """A class that is both ``cls`` and the core's ``TransactionError``.

    The core's manager wraps every failure of BEGIN/COMMIT/ROLLBACK/SAVEPOINT in a plain
    ``TransactionError``; raising an instance of this class instead keeps ``except
    TransactionError`` (the core's contract) working *and* lets ``except IntegrityError``
    (a deferred constraint at COMMIT), ``except ConnectionError``, ... fire. Each class
    is registered in this module under its name so that such errors pickle.
    """
    if issubclass(cls, TransactionError):
        return cls
    with _TRANSACTION_CLASSES_LOCK:
        combined = _TRANSACTION_CLASSES.get(cls)
        if combined is None:
            name = f"Transaction{cls.__name__}"
            combined = type(name, (cls, TransactionError), {
                "__module__": __name__,
                "__qualname__": name,
                "__doc__": f"A {cls.__name__} raised by a transaction operation (also a TransactionError).",
            })
            _TRANSACTION_CLASSES[cls] = combined
            globals().setdefault(name, combined)
        return combined


def __getattr__(name: str) -> Any:
    """``TransactionIntegrityError`` & co. for a process that has not raised one yet.

    The combined classes are made on first use; unpickling such an error in another
    process (multiprocessing, a task queue) looks the class up here by name before this
    process ever made it (PEP 562 module ``__getattr__``).
    """
    prefix = "Transaction"
    if name.startswith(prefix) and len(name) > len(prefix):
        import rhosocial.activerecord.backend.errors as core_errors

        base_name = name[len(prefix):]
        base = globals().get(base_name, getattr(core_errors, base_name, None))
        if isinstance(base, type) and issubclass(base, DatabaseError):
            return transaction_error_class(base)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_retryable(exc: BaseException) -> bool:
    """True for errors where re-running the whole transaction is the remedy."""
    return isinstance(exc, (SerializationError, DeadlockError))
