"""PostgresConnectionConfig.from_env(): reading a configuration from environment variables.

(Split from ``config.py`` to keep it readable.) Without a prefix the standard libpq
variables are read (``PGHOST``, ``PGPORT``, ...); with one, ``<PREFIX><FIELD>`` for
every field and ``<PREFIX>OPT_<NAME>`` for extra options (the core's convention).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Dict, Mapping

from .config_checks import ConfigurationError

__all__ = ["values_from_env"]


def values_from_env(cls: Any, prefix: str, env: Mapping[str, str]) -> Dict[str, Any]:
    """Constructor arguments for ``cls`` (a PostgresConnectionConfig class) from ``env``."""
    values: Dict[str, Any] = {}
    if not prefix:
        for var, name in _PG_ENV.items():
            if var in env:
                values[name] = _convert_env(name, env[var])
        if "PGOPTIONS" in env:
            values["libpq_options"] = {"options": env["PGOPTIONS"]}
    else:
        for f in fields(cls):
            key = f"{prefix}{f.name.upper()}"
            if key in env and f.name not in ("options", "libpq_options", "server_settings"):
                values[f.name] = _convert_env(f.name, env[key])
        opt_prefix = f"{prefix}OPT_"
        options = {k[len(opt_prefix):].lower(): v for k, v in env.items() if k.startswith(opt_prefix)}
        if options:
            values["options"] = options
    return values


_PG_ENV = {
    "PGHOST": "host",
    "PGPORT": "port",
    "PGDATABASE": "database",
    "PGUSER": "username",
    "PGPASSWORD": "password",
    "PGSSLMODE": "sslmode",
    "PGSSLROOTCERT": "sslrootcert",
    "PGSSLCERT": "sslcert",
    "PGSSLKEY": "sslkey",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGAPPNAME": "application_name",
    "PGCLIENTENCODING": "client_encoding",
    "PGTARGETSESSIONATTRS": "target_session_attrs",
    "PGTZ": "timezone",
}

_INT_FIELDS = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
               "tcp_user_timeout", "prepare_threshold", "pool_min_size", "pool_max_size"}


def _convert_env(name: str, value: str) -> Any:
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            raise ConfigurationError(f"PostgresConnectionConfig.{name}: must be an integer, got {value!r}") from None
    if name in ("pool_timeout", "pool_max_idle", "pool_max_lifetime"):
        try:
            return float(value)  # "nan"/"inf" parse here; validate() refuses them, naming the field
        except ValueError:
            raise ConfigurationError(f"PostgresConnectionConfig.{name}: must be a number of seconds, "
                                     f"got {value!r}") from None
    if name == "pool_check":
        return value.lower() in ("1", "true", "yes", "on")
    return value
