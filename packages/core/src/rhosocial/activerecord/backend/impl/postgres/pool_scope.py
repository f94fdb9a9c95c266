"""State of a pooled backend that is free of I/O: per-context scopes, session checks, defaults.

**Scopes.** A pooled backend is shared by many tasks (threads, in the sync flavour); each
transaction runs on one connection borrowed at BEGIN ("pinned") until COMMIT/ROLLBACK. The
pinned connection lives in a :class:`Scope` (the transaction manager in the backend, keyed by
scope), found through a context variable (``_SCOPES``: an immutable mapping backend key ->
scope, replaced with ``set()``, never mutated, so a child context never sees a change made by
its parent later, nor the parent one made by the child). A task created inside a transaction (``gather``,
``create_task``, ``wait_for``) copies its parent's context, finds the parent's scope and takes
part in its transaction, on its connection, as it would on a non-pooled backend (psycopg's
connection lock serialises the statements). A task that asks for a transaction manager while
the scope it inherited holds no transaction gets a scope of its own. Threads do not inherit
contexts (``asyncio.to_thread`` copies one, as a task would).

**Session state.** A connection goes back to the pool after every statement outside a
transaction, so a statement that changes the *session* (``SET``, ``CREATE TEMP TABLE``,
``LISTEN``, ...; ``replica.changes_session`` recognises them) would change one arbitrary
pooled connection and leak to its next borrower: refused (:func:`session_statement_error`).
Inside a transaction it is allowed, and the connection is reset (``DISCARD ALL``) before it is
given back. As a safety net for what no statement text shows (a function calling
``set_config``), the settings the server reports to the client (:data:`REPORTED_SETTINGS`) are
compared with their values at connect before a connection is given back (no round trip).

**Defaults.** Settings (isolation level, READ ONLY, DEFERRABLE) and event handlers set on any
scope's manager become the backend's defaults, which every manager created afterwards starts
from (:class:`SharedDefaultsMixin`).
"""

from __future__ import annotations

import itertools
import weakref
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import PooledSessionStateError, PoolExhaustedError, with_diagnostics

__all__ = ["Scope", "new_scope_key", "context_scope", "enter_scope", "REPORTED_SETTINGS",
           "remember_session", "session_changed", "session_statement_error", "exhausted_error",
           "SharedDefaultsMixin", "pooled_manager_class", "apply_defaults"]

_SCOPES: ContextVar[Mapping[int, "Scope"]] = ContextVar("rhosocial_postgres_pool_scopes",
                                                        default=MappingProxyType({}))
_KEYS = itertools.count(1)


def new_scope_key() -> int:
    """A key unique to one backend in this process (``id()`` may be reused after collection)."""
    return next(_KEYS)


class Scope:
    """The transaction state of one context on one pooled backend. Its manager is kept by the
    backend (``_managers``, keyed weakly by scope): a scope left in a context never keeps a
    backend alive."""

    __slots__ = ("owner", "backend", "connection", "pool", "loop", "dirty", "finalizer", "__weakref__")

    def __init__(self, owner: Any, backend: Any) -> None:
        self.owner = weakref.ref(owner)  # the task (or thread) that created it
        self.backend = weakref.ref(backend)  # gone: the entry is dropped from the mapping
        self.connection: Any = None  # pinned from BEGIN until the transaction ends
        self.pool: Any = None  # the pool the connection came from (the backend may have a new one)
        self.loop: Any = None  # async: the loop the pool runs on
        self.dirty = False  # a session-level statement ran on the pinned connection
        self.finalizer: Any = None  # weakref.finalize giving the connection back if the scope is lost

    def holds_transaction(self, manager: Any) -> bool:
        if self.connection is not None:
            return True
        return manager is not None and (manager.is_active or getattr(manager, "_server_transaction", False))

    def take(self) -> Tuple[Any, Any, bool]:
        """Unpin: (connection, pool, dirty), and forget them here."""
        connection, pool, dirty, finalizer = self.connection, self.pool, self.dirty, self.finalizer
        self.connection = self.pool = self.loop = self.finalizer = None
        self.dirty = False
        if finalizer is not None:
            finalizer.detach()
        return connection, pool, dirty


def context_scope(key: int) -> Optional[Scope]:
    return _SCOPES.get().get(key)


def enter_scope(key: int, scope: Scope) -> None:
    """Make ``scope`` this context's for backend ``key`` (a new mapping: contexts copied
    from this one keep the mapping they were created with)."""
    scopes = {k: s for k, s in _SCOPES.get().items() if s.backend() is not None}
    scopes[key] = scope
    _SCOPES.set(scopes)


# -- session state ---------------------------------------------------------------------------

#: Settings the server reports whenever they change (GUC_REPORT; ``search_path`` since
#: PostgreSQL 18) that a statement can change for the rest of the session.
REPORTED_SETTINGS = (b"TimeZone", b"DateStyle", b"IntervalStyle", b"search_path", b"application_name",
                     b"client_encoding", b"standard_conforming_strings", b"session_authorization",
                     b"default_transaction_read_only")
_BASELINE = "_rhosocial_reported_settings"


def _reported(connection: Any) -> Tuple[Optional[bytes], ...]:
    # unrolled (REPORTED_SETTINGS, in order): this runs whenever a connection goes back
    status = connection.pgconn.parameter_status
    return (status(b"TimeZone"), status(b"DateStyle"), status(b"IntervalStyle"), status(b"search_path"),
            status(b"application_name"), status(b"client_encoding"), status(b"standard_conforming_strings"),
            status(b"session_authorization"), status(b"default_transaction_read_only"))


def remember_session(connection: Any) -> None:
    """Record the reported settings of a new pooled connection (its clean state)."""
    setattr(connection, _BASELINE, _reported(connection))


def session_changed(connection: Any) -> bool:
    """Whether a reported setting differs from its value at connect (no round trip)."""
    baseline = getattr(connection, _BASELINE, None)
    return baseline is not None and baseline != _reported(connection)


def session_statement_error(sql: str) -> PooledSessionStateError:
    text = " ".join(sql.split())
    if len(text) > 80:
        text = text[:77] + "..."
    return with_diagnostics(PooledSessionStateError(
        f"Refused on a pooled backend outside a transaction: {text!r} changes the session, but "
        f"a statement outside a transaction runs on one arbitrary pooled connection, which goes "
        f"back to the pool right after it: the change would apply to that connection only and "
        f"leak to whoever borrows it next. Instead: put settings in the config "
        f"(server_settings={{...}}, timezone=, search_path=); or run the statement inside a "
        f"transaction (SET LOCAL, or the statement itself: a transaction keeps one connection until "
        f"COMMIT/ROLLBACK, and the backend resets its session before giving it back); or use a "
        f"backend without pool_min_size/pool_max_size (one session)."))


def exhausted_error(max_size: int, timeout: float) -> PoolExhaustedError:
    return with_diagnostics(PoolExhaustedError(
        f"Connection pool exhausted: all {max_size} pooled connections (pool_max_size={max_size}) "
        f"were in use for pool_timeout={timeout:g}s. Raise pool_max_size or pool_timeout, keep "
        f"transactions short, and check that every transaction is committed or rolled back."))


# -- backend-wide defaults of the per-scope managers ----------------------------------------

_SETTINGS = ("_isolation_level", "_transaction_mode", "_deferrable")
_HANDLERS = "_event_handlers"


def apply_defaults(manager: Any, defaults: Dict[str, Any]) -> None:
    """Start a new per-scope manager from the backend's defaults (copies: later changes on
    one manager do not reach another, except through the defaults)."""
    for name in _SETTINGS:
        if name in defaults:
            setattr(manager, name, defaults[name])
    handlers = defaults.get(_HANDLERS)
    if handlers:
        manager._event_handlers = {event: list(functions) for event, functions in handlers.items()}


def _next_property(manager: Any, name: str) -> Any:
    return getattr(super(SharedDefaultsMixin, type(manager)), name)


class SharedDefaultsMixin:
    """Mixed in before a flavour's manager on pooled backends: the public setters also record
    the value as the backend's default (``backend._tx_defaults``). A ``transaction(...)``
    block's own settings are not recorded (it sets the attributes directly and restores them)."""

    _backend: Any

    def _record(self, name: str) -> None:
        self._backend._tx_defaults[name] = getattr(self, name)

    @property
    def isolation_level(self) -> Any:
        return self._isolation_level  # type: ignore[attr-defined]

    @isolation_level.setter
    def isolation_level(self, level: Any) -> None:
        _next_property(self, "isolation_level").fset(self, level)
        self._record("_isolation_level")

    def set_isolation_level(self, level: Any) -> None:
        super().set_isolation_level(level)  # type: ignore[misc]
        self._record("_isolation_level")

    @property
    def transaction_mode(self) -> Any:
        return self._transaction_mode  # type: ignore[attr-defined]

    @transaction_mode.setter
    def transaction_mode(self, mode: Any) -> None:
        _next_property(self, "transaction_mode").fset(self, mode)
        self._record("_transaction_mode")

    @property
    def deferrable(self) -> Any:
        return self._deferrable  # type: ignore[attr-defined]

    @deferrable.setter
    def deferrable(self, value: Any) -> None:
        _next_property(self, "deferrable").fset(self, value)
        self._record("_deferrable")

    def on(self, event: Any, handler: Any) -> None:
        super().on(event, handler)  # type: ignore[misc]
        self._record_handler(event, handler, True)

    def off(self, event: Any, handler: Any) -> None:
        super().off(event, handler)  # type: ignore[misc]
        self._record_handler(event, handler, False)

    def _record_handler(self, event: Any, handler: Any, add: bool) -> None:
        defaults = self._backend._tx_defaults
        handlers = dict(defaults.get(_HANDLERS) or {})  # replaced, never mutated: managers copy it
        functions = list(handlers.get(event, ()))
        if add:
            functions.append(handler)
        elif handler in functions:
            functions.remove(handler)
        handlers[event] = tuple(functions)
        defaults[_HANDLERS] = handlers


_POOLED_CLASSES: Dict[type, type] = {}


def pooled_manager_class(base: type) -> type:
    """``base`` (a flavour's manager class) with :class:`SharedDefaultsMixin`."""
    cls = _POOLED_CLASSES.get(base)
    if cls is None:
        cls = _POOLED_CLASSES.setdefault(base, type(base.__name__, (SharedDefaultsMixin, base), {
            "__module__": base.__module__, "__qualname__": base.__qualname__,
            "__doc__": base.__doc__}))
    return cls
