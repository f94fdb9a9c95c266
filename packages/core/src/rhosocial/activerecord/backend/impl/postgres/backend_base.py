"""State and pure logic shared by ``PostgresBackend`` and ``AsyncPostgresBackend``.

Everything here is free of I/O, so the sync and async backends (the async one
hand-written, the sync one generated from it) only add the calls that talk to
the server. Hot-path helpers (statement preparation, row building) avoid any
per-statement work that can be done once: adapter suggestions are computed once
per backend, SQL escaping is cached per distinct statement, and log text is
only built when the logger would emit it.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type
from weakref import WeakKeyDictionary, WeakSet

import psycopg
from rhosocial.activerecord.backend.config import ConnectionConfig
from rhosocial.activerecord.backend.result import QueryResult

from .backend_errors import PostgresErrorsMixin
from .config import PostgresConnectionConfig
from .dialect import PostgresDialect
from .pool_scope import new_scope_key
from .sql_text import escape_percent, session_backslash_quotes
from .types import (
    USER_ARRAYS_SQL,
    build_adapter_suggestions,
    configure_connection,
    register_adapters,
    register_user_arrays,
)

__all__ = ["PostgresBackendMixin", "server_version_tuple"]


def server_version_tuple(version_num: int) -> Tuple[int, int, int]:
    """``connection.info.server_version`` (e.g. 150018, 90624) -> (15, 18, 0), (9, 6, 24).

    Since PostgreSQL 10 the number is major * 10000 + minor; before, it was
    major * 10000 + minor * 100 + patch. Never parse ``version()`` text: it
    carries distributor suffixes such as "15.18 (Debian 15.18-0+deb12u1)".
    """
    if version_num >= 100000:
        return (version_num // 10000, version_num % 10000, 0)
    return (version_num // 10000, (version_num // 100) % 100, version_num % 100)


def as_postgres_config(config: Optional[ConnectionConfig], kwargs: Dict[str, Any]) -> PostgresConnectionConfig:
    """Accept our config, the core's generic one, or keyword arguments."""
    if isinstance(config, PostgresConnectionConfig):
        return config
    if config is None:
        return PostgresConnectionConfig(**kwargs)
    return PostgresConnectionConfig.from_generic(config)


_ROWS_STATUSES = frozenset({psycopg.pq.ExecStatus.TUPLES_OK, psycopg.pq.ExecStatus.SINGLE_TUPLE,
                            getattr(psycopg.pq.ExecStatus, "TUPLES_CHUNK", psycopg.pq.ExecStatus.TUPLES_OK)})


def result_columns(cursor: Any) -> Optional[List[str]]:
    """The column names of the cursor's current result, or None if it returned no rows.

    The same answer as ``[c.name for c in cursor.description]``, read from the result
    directly: ``description`` builds a ``Column`` object per column (type, size, modifier
    lookups) on every access, five times the cost for the names alone, on every statement.
    """
    result = cursor.pgresult
    if result is None:
        return None
    count = result.nfields
    if not count and result.status not in _ROWS_STATUSES:
        return None
    encoding = cursor.connection.info.encoding
    names = []
    for index in range(count):
        name = result.fname(index)
        names.append(name.decode(encoding) if name else f"column_{index + 1}")
    return names


class PostgresBackendMixin(PostgresErrorsMixin):
    """Backend behaviour that does not depend on sync or async I/O."""

    config: PostgresConnectionConfig
    _connection: Any
    _transaction_manager: Any
    _dialect: PostgresDialect
    logger: logging.Logger

    def _init_postgres(self) -> None:
        self._dialect = PostgresDialect()
        self._adapter_suggestions: Optional[Dict[Type, Tuple[Any, Type]]] = None
        self._default_adapter_ids: Optional[frozenset] = None
        self._server_version: Optional[Tuple[int, int, int]] = None
        self._pool: Any = None
        self._registered_types: List[Tuple[Any, Any]] = []  # (spec, TypeInfo)
        self._user_arrays: List[Tuple[int, int, int, str]] = []  # rows of types.USER_ARRAYS_SQL
        self._catalogue_read = False  # the two lists above were read from the server once
        # a read replica's backend: _registered_types is its primary's list (aio/replica.py)
        self._types_from_primary = False
        # pool: per-context transaction state (pool_scope): this backend's key in the context
        # variable, the scopes made for it (disconnect() visits them), the managers' defaults
        self._scope_key = new_scope_key()
        self._scopes: Any = WeakSet()
        self._managers: Any = WeakKeyDictionary()  # scope -> its transaction manager
        self._tx_defaults: Dict[str, Any] = {}
        register_adapters(self.adapter_registry)  # type: ignore[attr-defined]

    @staticmethod
    def _split_init_kwargs(kwargs: Dict[str, Any]) -> Tuple[Optional[ConnectionConfig], Dict[str, Any], Dict[str, Any]]:
        """Separate the core's constructor arguments from connection keywords."""
        config = kwargs.pop("connection_config", None)
        core: Dict[str, Any] = {k: kwargs.pop(k) for k in ("logging_config", "logger") if k in kwargs}
        return config, core, kwargs

    @property
    def dialect(self) -> PostgresDialect:
        return self._dialect

    @property
    def threadsafety(self) -> int:
        # psycopg connections are thread-safe (operations serialise on a lock).
        return 2

    @property
    def in_transaction(self) -> bool:
        # Overridden to avoid building a log message on every statement.
        manager = self._transaction_manager
        return manager is not None and manager.is_active

    def _holds_transaction(self) -> bool:
        """Whether the session has an open transaction (then it must never be replaced)."""
        manager = self._transaction_manager
        return manager is not None and (manager.is_active or manager._server_transaction)

    def get_default_schema(self) -> Optional[str]:
        return "public"

    # -- parameters and statements --------------------------------------
    def get_default_adapter_suggestions(self) -> Dict[Type, Tuple[Any, Type]]:
        suggestions = self._adapter_suggestions
        if suggestions is None:
            suggestions = self._adapter_suggestions = build_adapter_suggestions(self.adapter_registry)  # type: ignore[attr-defined]
        return suggestions

    def _adapt_params(self, params: Optional[Any]) -> Any:
        """Apply the adapter suggestions (exact type match), as the core's execute does."""
        if isinstance(params, (str, bytes, bytearray, memoryview)):
            # iterated, a str would bind one parameter per character ("xy" -> 'x', 'y')
            raise TypeError(f"query parameters should be a sequence or a mapping, got {type(params).__name__}: "
                            "wrap a single value in a tuple, (value,)")
        if not params:
            return ()
        suggestions = self.get_default_adapter_suggestions()
        if isinstance(params, dict):
            # named (%(name)s) parameters get the same conversions; copied only when needed
            named = None
            for key, value in params.items():
                suggestion = suggestions.get(type(value))
                if suggestion is not None:
                    if named is None:
                        named = dict(params)
                    named[key] = suggestion[0].to_database(value, suggestion[1])
            return params if named is None else named
        out = None
        for index, value in enumerate(params):
            suggestion = suggestions.get(type(value))
            if suggestion is not None:
                if out is None:
                    out = list(params)
                adapter, db_type = suggestion
                out[index] = adapter.to_database(value, db_type)
        return tuple(params) if out is None else out

    def _adapt_many(self, params_list: Sequence[Any]) -> Sequence[Any]:
        """``_adapt_params`` for a batch; rows pass through untouched (no copies) when no
        value has an adapter suggestion, which a C-level type scan decides up front."""
        suggestions = self.get_default_adapter_suggestions()
        if not suggestions or not params_list:
            return params_list
        if isinstance(params_list[0], dict):
            seen = {type(v) for row in params_list for v in row.values()}
        else:
            seen = {type(v) for row in params_list for v in row}
        if suggestions.keys().isdisjoint(seen):
            return params_list
        return [self._adapt_params(params) for params in params_list]

    def _custom_adapters(self, column_adapters: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """The model's own field adapters (``UseAdapter``) among ``column_adapters``:
        those that are not one of the backend's default suggestions."""
        if not column_adapters:
            return {}
        defaults = self._default_adapter_ids
        if defaults is None:
            defaults = self._default_adapter_ids = frozenset(
                id(adapter) for adapter, _ in self.get_default_adapter_suggestions().values())
        return {column: info[0] for column, info in column_adapters.items() if id(info[0]) not in defaults}

    @staticmethod
    def _to_database_with(adapter: Any, value: Any) -> Any:
        """Convert with a field adapter when it names exactly one driver type for the value."""
        if value is None or hasattr(value, "to_sql"):
            return value
        targets = getattr(adapter, "supported_types", {}).get(type(value))
        if not targets or len(targets) != 1:
            return value
        return adapter.to_database(value, next(iter(targets)))

    def _apply_field_adapters(self, data: Dict[str, Any], column_adapters: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """Convert written values with the model's own field adapters (``UseAdapter``).

        The core converts parameters by exact Python type only; a field adapter is
        the user's declaration of how that column is stored. Returns ``data`` itself
        when nothing applies.
        """
        custom = self._custom_adapters(column_adapters)
        if not custom or custom.keys().isdisjoint(data):
            return data
        return {column: self._to_database_with(custom[column], value) if column in custom else value
                for column, value in data.items()}

    def _apply_field_adapters_rows(self, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                                   column_adapters: Optional[Dict[str, Any]]) -> Sequence[Sequence[Any]]:
        """``_apply_field_adapters`` for the rows of a bulk insert (same columns in every row)."""
        custom = self._custom_adapters(column_adapters)
        plan = [(index, custom[column]) for index, column in enumerate(columns) if column in custom]
        if not plan:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for index, adapter in plan:
                row[index] = self._to_database_with(adapter, row[index])
            out.append(row)
        return out

    def _prepare_sql_and_params(self, sql: str, params: Optional[Any],
                                connection: Any = None) -> Tuple[str, Any]:
        # Always hand psycopg a parameter sequence so that "%%" means "%" in
        # every statement, with or without parameters (see sql_text). With
        # standard_conforming_strings off in the session that runs it (SET at run time, a
        # role or database default) a backslash escapes in '...': only a text holding a
        # backslash reads differently, so only then is the session's reported value read.
        if params is None:
            params = ()
        elif not isinstance(params, (tuple, list, dict)):
            params = tuple(params)
        backslash = connection is not None and "\\" in sql and session_backslash_quotes(connection)
        return escape_percent(sql, backslash), params

    def _rows_to_dicts(
        self,
        columns: Sequence[str],
        rows: List[Tuple[Any, ...]],
        column_adapters: Optional[Dict[str, Any]],
        column_mapping: Optional[Dict[str, str]],
    ) -> List[Dict[str, Any]]:
        """Rows as dicts keyed by ``columns`` (``result_columns``), mapped to field names,
        with the model's column adapters applied."""
        if not rows:
            return []
        names = list(columns)
        if column_mapping:
            names = [column_mapping.get(name, name) for name in names]
        result = [dict(zip(names, row)) for row in rows]
        if column_adapters:
            # adapters are keyed by column name (before mapping)
            plan = []
            for index, column in enumerate(columns):
                info = column_adapters.get(column)
                if info is not None:
                    plan.append((names[index], info[0], info[1]))
            for row_dict in result:
                for key, adapter, target in plan:
                    row_dict[key] = adapter.from_database(row_dict[key], target)
        return result

    def _result(self, cursor: Any, data: Optional[List[Dict[str, Any]]], duration: float) -> QueryResult:
        rowcount = cursor.rowcount
        if rowcount is None or rowcount < 0:
            rowcount = len(data) if data is not None else 0
        return QueryResult(data=data, affected_rows=rowcount, last_insert_id=None, duration=duration)

    def _build_query_result(self, cursor: Any, data: Any, duration: float) -> QueryResult:
        return self._result(cursor, data, duration)

    def _log_statement(self, sql: str, params: Any) -> None:
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("Executing SQL: %s, parameters: %s", sql,
                              self.summarize_log_data(params))  # type: ignore[attr-defined]

    # -- connections ------------------------------------------------------
    def _connect_kwargs(self) -> Dict[str, Any]:
        """Arguments for ``psycopg.[Async]Connection.connect`` (contain the password)."""
        return {
            "conninfo": self.config.conninfo(),
            "autocommit": True,  # transactions are explicit BEGIN/COMMIT from the manager
            "prepare_threshold": self.config.prepare_threshold,
        }

    @staticmethod
    def _is_broken(connection: Any) -> bool:
        return connection is None or connection.closed or connection.broken

    @staticmethod
    def _server_fact_queries() -> List[Tuple[str, str]]:
        from .capabilities import BUILD_OPTION_PROBES

        queries = [
            ("installed", "SELECT extname, extversion FROM pg_extension"),
            ("available", "SELECT name FROM pg_available_extensions"),
        ]
        return queries + [(f"build:{name}", sql) for name, sql in BUILD_OPTION_PROBES.items()]

    def _apply_server_facts(self, version_num: int, facts: Dict[str, Any]) -> None:
        """Adapt the dialect to what ``_server_fact_queries`` found (rows, or the exception)."""
        self._apply_version(version_num)
        installed = facts.get("installed")
        available = facts.get("available")
        if isinstance(installed, BaseException):
            self.logger.warning("Could not read pg_extension: %s", installed)
            installed = []
        if isinstance(available, BaseException):
            self.logger.info("pg_available_extensions unreadable on this server (%s)", available)
            available = None
        self._dialect.set_extensions(dict(installed or []),
                                     None if available is None else {row[0] for row in available})
        self._dialect.set_build_options({
            key.split(":", 1)[1]: not isinstance(value, BaseException)
            for key, value in facts.items() if key.startswith("build:")
        })

    def _apply_version(self, version_num: int) -> None:
        self._server_version = server_version_tuple(version_num)
        self._dialect.version = self._server_version

    def _remember_type(self, spec: Any, info: Any) -> None:
        if info is None:
            from rhosocial.activerecord.backend.errors import QueryError

            raise QueryError(f"PostgreSQL type {spec.name!r} does not exist in database {self.config.database!r}")
        # mutated in place: a read replica backend shares this list
        self._registered_types[:] = [(s, i) for s, i in self._registered_types if s.name != spec.name]
        self._registered_types.append((spec, info))

    # A registered type's TypeInfo is a snapshot: a migration may drop and create the type
    # again (another oid: "cache lookup failed for type N") or alter it (a composite's new
    # attribute: "cannot load sequence of 3 items"). So connect() (also after a lost
    # connection), a pool's opening and register_types() read the infos again, with the
    # catalogue of user array types (types.arrays); the aio backend's _read_type_catalogue
    # does the I/O, these two methods the rest. Other new connections (a stream's own
    # session, the pool's) only apply the snapshot: no query per connection.
    _USER_ARRAYS_SQL = USER_ARRAYS_SQL

    def _specs_to_refetch(self, fresh: Sequence[Any] = ()) -> List[Any]:
        """Registered specs of user-defined types (oid 16384 and up: built-in oids never
        change), except those in ``fresh`` (just fetched).

        None on a read replica's backend: it applies its primary's infos as they are. A
        standby is a physical copy (same oids), and one that has not replayed a new type
        yet would answer "no such type" and wipe the info from the list both share."""
        if self._types_from_primary:
            return []
        names = {spec.name for spec in fresh}
        return [spec for spec, info in self._registered_types if spec.name not in names and info.oid >= 16384]

    def _replace_type_info(self, spec: Any, info: Any) -> None:
        """Keep the newly fetched ``info`` (in place: a read replica shares the list). A type
        not found keeps the info read before (the list never holds None: a lagging or
        briefly inconsistent answer must not unregister a type); it is fetched again on the
        next connect() or register_types()."""
        if info is None:
            self.logger.warning("Registered PostgreSQL type %r not found: its previous definition stays", spec.name)
            return
        self._registered_types[:] = [(s, info if s is spec else i) for s, i in self._registered_types]

    def _apply_registered_types(self, connection: Any) -> None:
        # Registration is pure (no I/O): adapters attach to the connection's map.
        configure_connection(connection)  # geometry, +-infinity dates, money (types/)
        for spec, info in self._registered_types:
            spec.register(info, connection)
        register_user_arrays(self._user_arrays, connection)  # after: registered arrays win
