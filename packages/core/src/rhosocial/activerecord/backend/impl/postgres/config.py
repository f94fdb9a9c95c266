"""Connection configuration: libpq options kept apart from server settings.

PostgreSQL has two kinds of "connection options" that are easy to mix up:

* libpq parameters (``sslmode``, ``connect_timeout``, ``target_session_attrs``,
  ...) tell the *client library* how to connect;
* server settings (``search_path``, ``statement_timeout``, ``TimeZone``, any GUC)
  are run-time parameters of the *session*, sent at start-up through the libpq
  ``options`` parameter as ``-c name=value``.

Passing a server setting as a libpq keyword fails ("invalid connection option
search_path"), and silently dropping a libpq keyword (as the public reference
backend does with the TLS settings) downgrades security. This module therefore
routes every key to exactly one of the two places, validates values at
construction (errors name the field), and never shows the password in a repr.
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Mapping, Optional

from psycopg.conninfo import make_conninfo
from rhosocial.activerecord.backend.config import ConnectionConfig

from .config_checks import (
    SSL_MODES,
    TARGET_SESSION_ATTRS,
    ConfigurationError,
    map_generic_names,
    validate,
)
from .config_dsn import LIBPQ_PARAMETERS, clone_config, merge_dsn
from .config_env import values_from_env

__all__ = ["PostgresConnectionConfig", "ConfigurationError", "LIBPQ_PARAMETERS", "SSL_MODES",
           "TARGET_SESSION_ATTRS"]


# Fields of this class that are libpq parameters under the same name.
_LIBPQ_FIELDS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "client_encoding",
    "target_session_attrs",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "channel_binding",
    "gssencmode",
    "passfile",
    "load_balance_hosts",
)

# Convenience fields that are server settings (GUCs), sent as ``-c name=value``.
_SETTING_FIELDS = {
    "search_path": "search_path",
    "statement_timeout": "statement_timeout",
    "lock_timeout": "lock_timeout",
    "idle_in_transaction_session_timeout": "idle_in_transaction_session_timeout",
    "timezone": "TimeZone",
}

# Aliases of the core's generic SSL mixin names and of common spellings.
_ALIASES = {
    "ssl_mode": "sslmode",
    "ssl_ca": "sslrootcert",
    "ssl_cert": "sslcert",
    "ssl_key": "sslkey",
    "dbname": "database",
    "server_timezone": "timezone",
}

_POOL_FIELDS = ("pool_min_size", "pool_max_size", "pool_timeout", "pool_max_idle", "pool_max_lifetime")


@dataclass
class PostgresConnectionConfig(ConnectionConfig):
    """Everything needed to open a PostgreSQL session with psycopg 3.

    ``host``/``port`` accept several hosts (``"db1,db2"`` or a list) for libpq's
    multi-host failover together with ``target_session_attrs``. ``dsn`` takes a
    libpq keyword string or a ``postgresql://`` URI; fields given explicitly (not None)
    override it, even with their default value.
    Unknown keys in ``options`` are routed: libpq parameters to libpq, ``pool_*``
    to the pool, anything else is treated as a server setting.
    """

    if TYPE_CHECKING:
        # Fields inherited from the core's ConnectionConfig (a package without type
        # information), as declared there; nothing here at run time.
        host: str
        user: Optional[str]
        options: Dict[str, Any]

    port: Optional[Any] = 5432
    password: Optional[str] = field(default=None, repr=False)
    dsn: Optional[str] = field(default=None, repr=False)

    # libpq parameters
    sslmode: Optional[str] = None
    sslrootcert: Optional[str] = None
    sslcert: Optional[str] = None
    sslkey: Optional[str] = None
    sslpassword: Optional[str] = field(default=None, repr=False)
    sslcrl: Optional[str] = None
    connect_timeout: Optional[int] = 10
    application_name: Optional[str] = None
    client_encoding: Optional[str] = None
    target_session_attrs: Optional[str] = None
    keepalives: Optional[int] = None
    keepalives_idle: Optional[int] = None
    keepalives_interval: Optional[int] = None
    keepalives_count: Optional[int] = None
    tcp_user_timeout: Optional[int] = None
    channel_binding: Optional[str] = None
    gssencmode: Optional[str] = None
    passfile: Optional[str] = None
    load_balance_hosts: Optional[str] = None
    libpq_options: Dict[str, Any] = field(default_factory=dict)

    # server settings
    search_path: Optional[str] = None
    statement_timeout: Optional[Any] = None
    lock_timeout: Optional[Any] = None
    idle_in_transaction_session_timeout: Optional[Any] = None
    timezone: Optional[str] = None
    server_settings: Dict[str, Any] = field(default_factory=dict)

    # client-side behaviour
    prepare_threshold: Optional[int] = 5
    read_replica_host: Optional[str] = None  # route plain reads to this standby (aio/replica.py)
    read_replica_port: Optional[Any] = None
    pool_min_size: Optional[int] = None
    pool_max_size: Optional[int] = None
    pool_timeout: float = 30.0
    pool_max_idle: float = 600.0
    pool_max_lifetime: float = 3600.0
    pool_check: bool = False

    def __init__(self, **kwargs: Any) -> None:
        # A hand-written __init__ (instead of the dataclass one) so that the
        # original README's spellings and the core's generic names all work:
        # ``options={"sslmode": ...}``, ``ssl_ca=...``, ``user=...``, ``dbname=...``.
        values = self._route(kwargs)
        # Which fields the caller chose (a value, not None): those override the DSN, even
        # when equal to the field's default (dsn="port=6000", port=5432 means 5432).
        self._given = frozenset(name for name, value in values.items() if value is not None)
        self._dsn_libpq: FrozenSet[str] = frozenset()  # libpq_options keys the DSN supplied (config_dsn)
        for f in fields(self):
            if f.name in values:
                setattr(self, f.name, values[f.name])
            elif f.default_factory is not MISSING:
                setattr(self, f.name, f.default_factory())
            else:
                setattr(self, f.name, f.default)
        self.options = {}
        self.__post_init__()

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.dsn:
            self._merge_dsn(self.dsn)
        if isinstance(self.host, (list, tuple)):
            self.host = ",".join(self.host)
        if isinstance(self.port, (list, tuple)):
            self.port = ",".join(str(p) for p in self.port)
        self._validate()

    @classmethod
    def _route(cls, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """Constructor arguments -> field values: aliases, generic names, ``options`` routed."""
        known = {f.name for f in fields(cls)}
        values: Dict[str, Any] = {}
        options = dict(kwargs.pop("options", None) or {})
        # The explicit dicts are merged with what options/kwargs route there (explicit
        # wins on the same key): replacing them would silently drop the routed keys.
        explicit: Dict[str, Any] = {name: kwargs.pop(name) for name in ("server_settings", "libpq_options")
                                    if name in kwargs}
        merged = {_ALIASES.get(key, key): value for key, value in {**options, **kwargs}.items()}
        routed: Dict[str, Dict[str, Any]] = {"server_settings": {}, "libpq_options": {}}
        for key, value in map_generic_names(merged).items():
            if key in known:
                values[key] = value
            elif key in LIBPQ_PARAMETERS:
                routed["libpq_options"][key] = value
            else:
                routed["server_settings"][key] = value
        for name, found in routed.items():
            given = explicit.get(name)
            if given is not None and not isinstance(given, Mapping):
                raise ConfigurationError(f"PostgresConnectionConfig.{name}: must be a dict, got {given!r}")
            values[name] = {**found, **(given or {})}
        return values

    def _validate(self) -> None:
        validate(self)  # config_checks: types, ranges, choices; errors name the field

    def _merge_dsn(self, dsn: str) -> None:
        merge_dsn(self, dsn)  # config_dsn: fields the caller did not choose come from the DSN

    # -- derived views -----------------------------------------------------
    @property
    def pooled(self) -> bool:
        """Whether the backend should run on a psycopg_pool pool."""
        return self.pool_max_size is not None or self.pool_min_size is not None

    @property
    def pool_kwargs(self) -> Dict[str, Any]:
        min_size = self.pool_min_size if self.pool_min_size is not None else 1
        max_size = self.pool_max_size if self.pool_max_size is not None else max(min_size, 4)
        return dict(min_size=min_size, max_size=max_size, timeout=self.pool_timeout,
                    max_idle=self.pool_max_idle, max_lifetime=self.pool_max_lifetime)

    def replica_config(self) -> "PostgresConnectionConfig":
        """The same settings, pointed at the read replica (and no further replica)."""
        updates: Dict[str, Any] = {"host": self.read_replica_host, "read_replica_host": None,
                                   "read_replica_port": None}
        if self.read_replica_port is not None:
            updates["port"] = self.read_replica_port
        if self.target_session_attrs is None:
            updates["target_session_attrs"] = "standby"
        return self.clone(**updates)

    def effective_server_settings(self) -> Dict[str, str]:
        """All server settings sent at start-up, convenience fields included."""
        settings: Dict[str, str] = {}
        for name, guc in _SETTING_FIELDS.items():
            value = getattr(self, name)
            if value is not None:
                settings[guc] = _setting_text(value, guc)
        for key, value in self.server_settings.items():
            settings[key] = _setting_text(value, key)
        return settings

    def libpq_params(self) -> Dict[str, Any]:
        """libpq keyword parameters (password included: never log the result)."""
        params: Dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "user": self.username,
            "password": self.password,
        }
        for name in _LIBPQ_FIELDS:
            params[name] = getattr(self, name)
        params.update(self.libpq_options)
        settings = self.effective_server_settings()
        if settings:
            extra = " ".join(f"-c {_escape_option(k)}={_escape_option(v)}" for k, v in settings.items())
            params["options"] = f"{params['options']} {extra}" if params.get("options") else extra
        return {k: v for k, v in params.items() if v is not None and v != ""}

    def conninfo(self) -> str:
        """The libpq connection string (contains the password: never log it)."""
        return make_conninfo("", **{k: str(v) for k, v in self.libpq_params().items()})

    def safe_description(self) -> str:
        """Where this config points, for messages and logs: no secrets."""
        return f"host={self.host} port={self.port} dbname={self.database} user={self.username}"

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.repr and getattr(self, f.name) not in (None, {}, f.default) or f.name in ("host", "database")
        )
        return f"PostgresConnectionConfig({shown})"

    # -- core API --------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        result = {f.name: getattr(self, f.name) for f in fields(self)}
        result.pop("options", None)
        result.pop("user", None)
        return {k: v for k, v in result.items() if v is not None and v != {}}

    def clone(self, **updates: Any) -> "PostgresConnectionConfig":
        """The same settings with ``updates`` applied. With a new ``dsn``, the fields the
        original caller did not choose come from that DSN (config_dsn.clone_config)."""
        return clone_config(self, updates, self._route)

    @classmethod
    def from_generic(cls, config: ConnectionConfig) -> "PostgresConnectionConfig":
        """Convert the core's generic ``ConnectionConfig`` (or a subclass with its mixins).

        A field still at the generic class's declared default (its ``host="localhost"``,
        the ConnectionPoolMixin's ``pool_size=5``, the CharsetMixin's ``charset="utf8mb4"``,
        ...) is left out: it was not chosen by the user, and passed on it would count as
        chosen and override a DSN in ``options={"dsn": ...}``. Set ones are mapped or
        refused (``config_checks``). (A host set to exactly "localhost" cannot be told from
        the default: with a DSN, the DSN's host wins.)
        """
        defaults: Dict[str, Any] = {}
        for f in fields(config) if is_dataclass(config) else ():
            if f.default is not MISSING:
                defaults[f.name] = f.default
            elif f.default_factory is not MISSING:
                defaults[f.name] = f.default_factory()
        values = {
            key: value for key, value in vars(config).items()
            if value is not None and key not in ("driver_type", "version")
            and not (key in defaults and defaults[key] == value)
        }
        return cls(**values)

    @classmethod
    def from_env(cls, prefix: str = "", environ: Optional[Mapping[str, str]] = None) -> "PostgresConnectionConfig":
        """Build a config from the environment.

        With no prefix, read the standard libpq variables (``PGHOST``, ``PGPORT``,
        ``PGDATABASE``, ``PGUSER``, ``PGPASSWORD``, ``PGSSLMODE``, ...). With a
        prefix, read ``<PREFIX>DSN`` and ``<PREFIX><FIELD>`` for every field,
        plus ``<PREFIX>OPT_<NAME>`` for extra options (the core's convention).
        """
        return cls(**values_from_env(cls, prefix, os.environ if environ is None else environ))


def _setting_text(value: Any, name: str = "") -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        if name.lower() == "search_path":
            # A list is plain schema names, each quoted exactly as given ("MySchema" keeps its
            # case, "a,b" its comma; '"x"' names a schema with quotes in its name); "$user"
            # quoted keeps its meaning. A str is passed as written (SQL syntax).
            return ", ".join('"' + str(v).replace('"', '""') + '"' for v in value)
        return ", ".join(str(v) for v in value)
    return str(value)


# The server splits libpq's ``options`` at every byte for which C's isspace() is true
# (pg_split_opts): not only spaces but tabs, newlines, \v, \f and \r. An unescaped one
# would end the value and start a new argument ("x\t-c\twork_mem=1MB" would set work_mem).
_OPTION_ESCAPES = str.maketrans({c: "\\" + c for c in " \t\n\v\f\r\\"})


def _escape_option(text: str) -> str:
    # A backslash makes the next byte part of the argument, whatever it is.
    return str(text).translate(_OPTION_ESCAPES)
