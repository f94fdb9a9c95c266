"""The ``external`` provider: a server someone else runs (a CI service container, a dev box).

Why: CI systems usually offer PostgreSQL as a service; tests should use it as is. The DSN
comes from RHOSOCIAL_PG_DSN_<major> (preferred when a major is requested) or
RHOSOCIAL_PG_DSN, as a URL or libpq key=value string. The handle never stops the server.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Optional

from .errors import ProvisioningError
from .handle import ServerHandle

DSN_ENV = "RHOSOCIAL_PG_DSN"


def configured_dsns() -> Dict[Optional[int], str]:
    """{major or None: dsn} from RHOSOCIAL_PG_DSN and RHOSOCIAL_PG_DSN_<major>."""
    found: Dict[Optional[int], str] = {}
    for key, value in os.environ.items():
        if not value:
            continue
        if key == DSN_ENV:
            found[None] = value
        match = re.fullmatch(DSN_ENV + r"_(\d+)", key)
        if match:
            found[int(match.group(1))] = value
    return found


def dsn_for(major: Optional[int]) -> str:
    dsns = configured_dsns()
    if major is not None and major in dsns:
        return dsns[major]
    if None in dsns:
        return dsns[None]
    if major is None and dsns:
        return dsns[max(k for k in dsns if k is not None)]
    wanted = f"{DSN_ENV}_{major} or {DSN_ENV}" if major else DSN_ENV
    raise ProvisioningError(f"the external provider needs a DSN: set {wanted} "
                            "(e.g. postgresql://postgres:secret@127.0.0.1:5432/postgres)")


def handle_from_dsn(dsn: str, *, connect: bool = True) -> ServerHandle:
    """Parse ``dsn`` into a ServerHandle; with ``connect``, fill libpq defaults and the version."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ProvisioningError(f"cannot parse the external DSN: {exc}") from None
    handle = ServerHandle(
        provider="external", host=str(params.get("host") or "localhost"), port=int(params.get("port") or 5432),
        user=str(params.get("user") or ""), password=params.get("password"),
        dbname=str(params.get("dbname") or "postgres"))
    if not connect:
        return handle
    try:
        with psycopg.connect(dsn, connect_timeout=10, autocommit=True) as conn:
            info = conn.info
            handle.host, handle.port, handle.user = info.host, int(info.port), info.user
            handle.password = info.password or handle.password
            handle.dbname = info.dbname
            handle.version_num = int(conn.execute("SHOW server_version_num").fetchone()[0])
    except psycopg.OperationalError as exc:
        raise ProvisioningError(f"cannot connect to the external server {handle.host}:{handle.port}: {exc}") from None
    handle.major = handle.version_num // 10000
    return handle


def start_external_server(major: Optional[int] = None) -> ServerHandle:
    handle = handle_from_dsn(dsn_for(major))
    if major is not None and handle.major != major:
        raise ProvisioningError(f"the external server at {handle.host}:{handle.port} runs PostgreSQL {handle.major}, "
                                f"not {major}: set {DSN_ENV}_{major}")
    return handle
