"""PostgresConnectionConfig and its ``dsn``: merging it, cloning with a new one, parse errors.

(Split from ``config.py`` to keep it readable.) The rule: a field the caller chose (a value,
not None) overrides the DSN, even when equal to the field's default; every other field comes
from the DSN, else from the default. A config remembers which fields its caller chose
(``_given``) and which ``libpq_options`` keys its DSN supplied (``_dsn_libpq``), so that
``clone(dsn=...)`` takes from the *new* DSN exactly what the caller never chose, instead of
keeping the old DSN's values (or the defaults) as if they had been chosen.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any, Callable, Dict, FrozenSet

from psycopg.conninfo import conninfo_to_dict

from .config_checks import ConfigurationError
from .redaction import redact_conninfo

__all__ = ["LIBPQ_PARAMETERS", "merge_dsn", "clone_config"]


#: libpq connection parameters a user may set (PostgreSQL 18 docs, 32.1.2).
LIBPQ_PARAMETERS = frozenset(
    """
    host hostaddr port dbname user password passfile require_auth channel_binding
    connect_timeout client_encoding options application_name fallback_application_name
    keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout
    replication gssencmode sslmode requiressl sslnegotiation sslcompression sslcert sslkey
    sslkeylogfile sslpassword sslcertmode sslrootcert sslcrl sslcrldir sslsni requirepeer
    ssl_min_protocol_version ssl_max_protocol_version krbsrvname gsslib gssdelegation
    service target_session_attrs load_balance_hosts min_protocol_version max_protocol_version
    """.split()
)

_DSN_NAMES = {"dbname": "database", "user": "username"}


def merge_dsn(config: Any, dsn: str) -> None:
    """Fill from ``dsn`` every field of ``config`` its caller did not choose."""
    try:
        parsed = conninfo_to_dict(dsn)
    except Exception as exc:  # psycopg.ProgrammingError: bad syntax
        raise ConfigurationError(f"PostgresConnectionConfig.dsn: {_dsn_error(exc, dsn)}") from None
    known = {f.name for f in fields(config)}
    given = set(getattr(config, "_given", ()))
    if "user" in given:
        given.add("username")
    from_dsn = set()
    for key, value in parsed.items():
        name = _DSN_NAMES.get(key, key)
        if key != "options" and name in known:
            if name not in given:
                # a string: validate() converts numbers and names the field if it cannot
                setattr(config, name, value)
        elif key in LIBPQ_PARAMETERS and key not in config.libpq_options:
            # "options" too, kept verbatim (the convenience settings are appended to it)
            config.libpq_options[key] = value
            from_dsn.add(key)
    config._dsn_libpq = getattr(config, "_dsn_libpq", frozenset()) | frozenset(from_dsn)
    if config.user is None or "user" not in given:
        config.user = config.username
    config.dsn = None  # merged: every value now lives in a field


def clone_config(config: Any, updates: Dict[str, Any], route: Callable[[Dict[str, Any]], Dict[str, Any]]) -> Any:
    """``config.clone(**updates)``: the same settings, ``updates`` applied.

    ``route`` normalises constructor arguments (aliases, generic names, ``options``) into
    field values, as the constructor does. The clone keeps the set of fields the original
    caller chose, plus those ``updates`` choose: a later ``clone(dsn=...)`` must still know them.
    """
    values = config.to_dict()
    for key in ("libpq_options", "server_settings"):
        if key in values:
            values[key] = dict(values[key])
    given: FrozenSet[str] = getattr(config, "_given", frozenset(values))
    dsn_keys: FrozenSet[str] = getattr(config, "_dsn_libpq", frozenset())
    chosen = route(dict(updates))  # also finds a dsn given as options={"dsn": ...}
    if chosen.get("dsn"):
        # A new DSN: what the original caller did not choose comes from it (or the defaults),
        # not from the old DSN or the old defaults. The constructor then sees exactly the
        # chosen fields plus the updates, so its own _given is right.
        values = {k: v for k, v in values.items() if k in given}
        if "libpq_options" in values:
            values["libpq_options"] = {k: v for k, v in values["libpq_options"].items() if k not in dsn_keys}
        return type(config)(**{**values, **updates})
    copy = type(config)(**{**values, **updates})
    # Every value was passed to the constructor, so it counts them all as chosen: put back
    # the original caller's choice, plus what this call chose.
    copy._given = (given - chosen.keys()) | {k for k, v in chosen.items() if v is not None}
    copy._dsn_libpq = dsn_keys - chosen.get("libpq_options", {}).keys()
    return copy


# libpq's parse errors quote the offending input ('missing "=" after "horse" in connection
# info string'), which may be part of a password: quoted input is replaced by "...", except
# a single punctuation character ('"="', '"]"') and the option name of these two messages.
_NAMED_OPTION = re.compile(r'(invalid connection option|invalid URI query parameter:?) "([^"]*)"')
_QUOTED = re.compile(r'"([^"]*)"')


def _dsn_error(exc: BaseException, dsn: str) -> str:
    """Why libpq refused ``dsn`` (its reason, without any input that may be secret), and a hint."""
    text = str(exc).strip() or type(exc).__name__
    named = _NAMED_OPTION.fullmatch(text)
    if named is not None and not _follows_password(dsn, named.group(2)):
        # a misspelt libpq option or a server setting: its name is what helps
        return (f"cannot parse the connection string ({text}); a server setting goes in "
                "server_settings={...} (or options='-c name=value')")
    text = _QUOTED.sub(lambda m: m.group(0) if len(m.group(1)) == 1 and not m.group(1).isalnum() else '"..."',
                       text)
    return (f"cannot parse the connection string ({redact_conninfo(text)}); "
            "quote values containing spaces or quotes, e.g. password='...'")


def _follows_password(dsn: str, name: str) -> bool:
    """Is ``name`` the word after an unquoted password value ("password=correct horse=x")?
    Then it is part of the password, not an option name."""
    return re.search(rf"password\s*=\s*[^'\s]\S*\s+{re.escape(name)}\s*=", dsn, re.IGNORECASE) is not None
