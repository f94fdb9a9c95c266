"""Validation for PostgresConnectionConfig, and the core's generic option names.

Kept apart from ``config.py`` (which routes keys and builds the libpq
parameters) so that each stays readable. Everything here runs at construction:
a wrong value fails there, with the field named, instead of at the first
connect (or, worse, being passed on to libpq or the server as something else).
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Dict, Mapping, NoReturn, Optional

__all__ = ["ConfigurationError", "SSL_MODES", "TARGET_SESSION_ATTRS", "validate", "map_generic_names",
           "GENERIC_NAMES"]


class ConfigurationError(ValueError):
    """An invalid configuration value; the message names the field."""


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
TARGET_SESSION_ATTRS = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")
_CHOICES = {
    "sslmode": SSL_MODES,
    "target_session_attrs": TARGET_SESSION_ATTRS,
    "channel_binding": ("disable", "prefer", "require"),
    "gssencmode": ("disable", "prefer", "require"),
    "load_balance_hosts": ("disable", "random"),
}
_SECRET_FIELDS = ("password", "sslpassword")  # errors name the type only, never the value
_STR_FIELDS = ("host", "database", "username", "user", "password", "sslpassword", "application_name",
               "client_encoding", "timezone", "read_replica_host")
_PATH_FIELDS = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "passfile")  # str or os.PathLike
_INT_FIELDS = ("connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
               "tcp_user_timeout", "prepare_threshold")
_DURATION_FIELDS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
# A PostgreSQL time setting: a number of milliseconds, or a number with a unit ("5s", "1.5 min").
_DURATION = re.compile(r"\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*")


# Output styles psycopg's text loaders parse: timestamptz only in DateStyle ISO (any field
# order), interval only in IntervalStyle postgres. Other styles make every such result fail.
OUTPUT_STYLES = {"datestyle": "iso", "intervalstyle": "postgres"}


def _fail(name: str, message: str) -> NoReturn:
    raise ConfigurationError(f"PostgresConnectionConfig.{name}: {message}")


def _check_port(name: str, port: Any) -> None:
    for part in str(port).split(",") if port is not None else ():
        if not part.strip():
            continue  # libpq: an empty entry in a port list means the default port
        try:
            number = int(part)
        except ValueError:
            _fail(name, f"must be an integer 1-65535, got {part!r}")
        if not 0 < number < 65536:
            _fail(name, f"must be between 1 and 65535, got {number}")


def _as_int(name: str, value: Any) -> int:
    """An int, or a string of digits (a DSN's values are strings); never a bool or a fraction."""
    if isinstance(value, bool):
        if name == "keepalives":  # libpq's keepalives is an on/off switch (1/0)
            return int(value)
        _fail(name, f"must be a non-negative integer, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        _fail(name, f"must be a non-negative integer, got {value!r}")
    return value


def validate(config: Any) -> None:
    """Check (and normalise: numeric strings, paths) every field of ``config``."""
    _check_port("port", config.port)
    _check_port("read_replica_port", config.read_replica_port)
    for name in _STR_FIELDS:
        value = getattr(config, name)
        if value is not None and not isinstance(value, str):
            shown = "" if name in _SECRET_FIELDS else f" {value!r}"
            _fail(name, f"must be a string, got {type(value).__name__}{shown}")
    for name in _PATH_FIELDS:
        value = getattr(config, name)
        if value is not None:
            if not isinstance(value, (str, os.PathLike)):
                _fail(name, f"must be a file path (str or os.PathLike), got {value!r}")
            setattr(config, name, os.fspath(value))
    for name, choices in _CHOICES.items():
        value = getattr(config, name)
        if value is not None and value not in choices:
            _fail(name, f"must be one of {', '.join(choices)}; got {value!r}")
    for name in _INT_FIELDS:
        value = getattr(config, name)
        if value is not None:
            setattr(config, name, _as_int(name, value))
    if config.keepalives not in (None, 0, 1):
        _fail("keepalives", f"must be 1 (on) or 0 (off), got {config.keepalives!r}")
    for name in _DURATION_FIELDS:
        value = getattr(config, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            _fail(name, f"must be milliseconds (a number) or a string with a unit like '5s', got {value!r}")
        if (isinstance(value, str) and not _DURATION.fullmatch(value)
                or not isinstance(value, str) and not (math.isfinite(value) and value >= 0)):
            _fail(name, f"must be milliseconds (a finite non-negative number) or a string with a unit "
                        f"(us, ms, s, min, h, d) like '5s'; got {value!r}")
    search_path = config.search_path
    if search_path is not None and not (isinstance(search_path, str) or isinstance(search_path, (list, tuple))
                                        and all(isinstance(s, str) for s in search_path)):
        _fail("search_path", f"must be a string or a list of schema names, got {search_path!r}")
    if isinstance(search_path, (list, tuple)) and not all(s and "\x00" not in s for s in search_path):
        _fail("search_path", f"schema names in the list must be non-empty and free of NUL, got {search_path!r}")
    if not isinstance(config.pool_check, bool):
        _fail("pool_check", f"must be True or False, got {config.pool_check!r}")
    _validate_pool(config)
    _validate_mappings(config)


def _validate_pool(config: Any) -> None:
    for name in ("pool_min_size", "pool_max_size"):
        value = getattr(config, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            _fail(name, f"must be a non-negative integer, got {value!r}")
    if config.pool_max_size == 0:
        _fail("pool_max_size", "must be at least 1")
    if None not in (config.pool_min_size, config.pool_max_size) and config.pool_min_size > config.pool_max_size:
        _fail("pool_min_size", f"({config.pool_min_size}) must not exceed pool_max_size ({config.pool_max_size})")
    for name in ("pool_timeout", "pool_max_idle", "pool_max_lifetime"):
        value = getattr(config, name)
        # NaN compares false with everything: "value <= 0" lets it through (psycopg_pool
        # would then wait forever or never); infinity is no timeout at all
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not (math.isfinite(value) and value > 0):
            _fail(name, f"must be a positive (finite) number of seconds, got {value!r}")


def _validate_mappings(config: Any) -> None:
    for name in ("server_settings", "libpq_options"):
        if not isinstance(getattr(config, name), Mapping):
            _fail(name, f"must be a dict, got {getattr(config, name)!r}")
    for key, value in config.server_settings.items():
        if not isinstance(key, str) or not key or not all(c.isalnum() or c in "_." for c in key):
            _fail("server_settings", f"invalid setting name {key!r}")
        if "\x00" in str(value):
            _fail("server_settings", f"the value of {key!r} contains a NUL character")
        if key.lower() == "standard_conforming_strings" and not (
                value is True or str(value).strip().lower() in ("on", "true", "yes", "1")):
            _fail("server_settings", f"standard_conforming_strings={value!r}: only 'on' (PostgreSQL's "
                                     "default) is supported. With it off a backslash escapes a quote in "
                                     "'...', which changes where literals end: the backend reads SQL text "
                                     "(placeholders, read-replica routing) and writes literals assuming on")
        style = OUTPUT_STYLES.get(key.lower())
        # DateStyle is two words in either order ("ISO, DMY", "DMY, ISO"); IntervalStyle one
        # ("postgres_verbose" is not "postgres")
        if style is not None and style not in re.split(r"[\s,]+", str(value).strip().lower()):
            _fail("server_settings", f"{key}={value!r}: psycopg reads timestamptz only in DateStyle ISO and "
                                     "interval only in IntervalStyle postgres (the server's output style); "
                                     "format values with to_char() instead")


# -- the core's generic names ---------------------------------------------------------
# rhosocial-activerecord's ConnectionConfig mixins (backend/config.py: ConnectionPoolMixin,
# SSLMixin, CharsetMixin, TimezoneMixin, VersionMixin, LoggingMixin) name options for all
# backends. Unrouted, they would be sent to the server as settings and fail at connect
# ('unrecognized configuration parameter "pool_size"'). Those with a PostgreSQL meaning are
# mapped here; the others are refused with the spelling to use instead. (ssl_ca, ssl_cert,
# ssl_key, ssl_mode, server_timezone are plain aliases: config._ALIASES.)

#: generic name -> our field (same meaning).
_MAPPED = {
    "pool_size": "pool_max_size",  # connections the pool may hold; setting it turns pooling on
    "pool_recycle": "pool_max_lifetime",  # seconds before a connection is replaced
    "pool_pre_ping": "pool_check",  # check a connection when it is borrowed
    "charset": "client_encoding",
}
#: generic SSL switch -> the sslmode it asks for (True only; False asks for nothing).
_SSL_SWITCHES = {"ssl_verify": "verify-full", "ssl_verify_cert": "verify-ca", "ssl_verify_identity": "verify-full"}
_REFUSED = {
    "pool_name": "the pool is named after application_name; set application_name",
    "pool_reset_session": "connections always go back to the psycopg_pool pool with no open "
                          "transaction, and with their session reset (DISCARD ALL) when a statement "
                          "changed it; there is nothing to switch",
    "ssl_ciphers": "libpq has no client-side cipher list; the server's ssl_ciphers setting decides",
    "collation": "PostgreSQL has no session collation; use COLLATE in the column or the query",
    "use_timezone": "set timezone='...' (the session TimeZone) instead",
    "raise_on_warnings": "server notices are logged, never raised; there is no such switch",
    "log_queries": "statements are logged at DEBUG by the backend's logger; pass logging_config=",
    "log_level": "pass logging_config= (or logger=) to the backend",
    "version": "the backend reads the server version when it connects",
}
#: Every generic name handled here (mapped or refused).
GENERIC_NAMES = frozenset(_MAPPED) | frozenset(_SSL_SWITCHES) | frozenset(_REFUSED)
# MySQL's name for full UTF-8 (the CharsetMixin default); PostgreSQL calls it UTF8.
_CHARSETS = {"utf8mb4": "UTF8", "utf8mb3": "UTF8"}


def map_generic_names(values: Dict[str, Any]) -> Dict[str, Any]:
    """Rewrite the core's generic names in ``values`` (after aliases) into ours, in place.

    A generic name and our own spelling given with different values is an error (which
    one was meant is unknowable).
    """
    def put(generic: str, name: str, value: Any) -> None:
        if name in values and values[name] != value:
            _fail(generic, f"means {name}={value!r} here, but {name}={values[name]!r} is also given; "
                           f"set only {name}")
        values[name] = value

    for generic, why in _REFUSED.items():
        if generic in values:
            _fail(generic, f"is not a PostgreSQL connection option: {why}")
    for generic, name in _MAPPED.items():
        if generic not in values:
            continue
        value = values.pop(generic)
        if generic == "pool_size" and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            _fail("pool_size", f"must be an integer >= 1 (it sets pool_max_size), got {value!r}")
        if generic == "charset" and isinstance(value, str):
            value = _CHARSETS.get(value.lower(), value)
        put(generic, name, value)
    for generic, mode in _SSL_SWITCHES.items():
        if generic not in values:
            continue
        value = values.pop(generic)
        if not isinstance(value, bool):
            _fail(generic, f"must be True or False, got {value!r}")
        current: Optional[str] = values.get("sslmode")
        verifying = current in ("verify-ca", "verify-full")
        if value and current is None:
            values["sslmode"] = mode  # verify the server's certificate (and name, for verify-full)
        elif value and not verifying:
            _fail(generic, f"asks for a verified certificate, but sslmode={current!r} does not verify; "
                           f"use sslmode='{mode}'")
        elif not value and verifying:
            _fail(generic, f"turns certificate verification off, but sslmode={current!r} verifies; set only sslmode")
    return values
