"""Choosing a provider and starting a server from it: the one entry point used by the plugin and CLI.

Why a single place: the pytest options, the environment fallbacks and the CLI must all
agree on the same defaults:

* RHOSOCIAL_PG_DSN or RHOSOCIAL_PG_DSN_<major> set  -> ``external``
* a major requested (--pg-major / RHOSOCIAL_PG_MAJOR) -> ``local`` (Debian or npm bundle)
* otherwise                                          -> ``embedded`` (PyPI wheel, PG 18)

An explicit provider (--pg-provider / RHOSOCIAL_PG_PROVIDER) always wins.
"""

from __future__ import annotations

import importlib
import os
from typing import Optional

from .bundles import SUPPORTED_MAJORS, check_major, debian_majors
from .errors import ProvisioningError
from .handle import ServerHandle
from .registry import track

PROVIDERS = ("embedded", "local", "external", "containers")
PROVIDER_ENV = "RHOSOCIAL_PG_PROVIDER"
MAJOR_ENV = "RHOSOCIAL_PG_MAJOR"
DEFAULT_LOCAL_MAJOR = 18


def parse_major(value) -> Optional[int]:
    """'15' -> 15; None/'' -> None; anything else -> ProvisioningError naming the valid range."""
    if value is None or value == "":
        return None
    try:
        major = int(str(value).strip())
    except ValueError:
        raise ProvisioningError(f"PostgreSQL major must be a number in {SUPPORTED_MAJORS.start}.."
                                f"{SUPPORTED_MAJORS.stop - 1}, got {value!r}") from None
    return check_major(major)


def requested_major(option_value=None) -> Optional[int]:
    return parse_major(option_value if option_value not in (None, "") else os.environ.get(MAJOR_ENV))


def choose_provider(provider: Optional[str] = None, major: Optional[int] = None) -> str:
    """Explicit choice, else RHOSOCIAL_PG_PROVIDER, else the defaults described in the module doc."""
    from .external import configured_dsns

    provider = provider or os.environ.get(PROVIDER_ENV) or None
    if provider:
        if provider not in PROVIDERS:
            raise ProvisioningError(f"unknown PostgreSQL provider {provider!r}: choose one of {', '.join(PROVIDERS)}")
        return provider
    dsns = configured_dsns()
    if dsns and (major is None or major in dsns or None in dsns):
        return "external"
    if major is not None:
        return "local"
    return "embedded"


def default_local_major() -> int:
    """For the local provider without a requested major: the newest Debian server, else 18."""
    majors = debian_majors()
    return majors[-1] if majors else DEFAULT_LOCAL_MAJOR


def start_containers_server(major: Optional[int]) -> ServerHandle:
    """Delegate to tests/harness/containers.py (owned by another engineer), imported lazily."""
    try:
        module = importlib.import_module(f"{__package__}.containers")
    except ImportError as exc:
        raise ProvisioningError(f"the containers provider is not available: tests/harness/containers.py "
                                f"could not be imported ({exc})") from None
    start = getattr(module, "start_container_server", None)
    if start is None:
        raise ProvisioningError("tests/harness/containers.py has no start_container_server(major) function")
    handle = start(major or DEFAULT_LOCAL_MAJOR)
    if handle.major is None or handle.version_num is None:
        from .local import server_version_num

        handle.version_num = server_version_num(handle)
        handle.major = handle.version_num // 10000
    return track(handle)


def start_server(provider: Optional[str] = None, major: Optional[int] = None, **local_kwargs) -> ServerHandle:
    """Start (or attach to) a server; the handle is tracked so cleanup hooks stop it.

    ``local_kwargs`` (extra_conf, hba_lines, initdb_args, ...) imply and only suit ``local``.
    """
    if major is not None:
        check_major(major)
    if local_kwargs and provider is None:
        provider = "local"
    provider = choose_provider(provider, major)
    if local_kwargs and provider != "local":
        raise ProvisioningError(f"options {sorted(local_kwargs)} need the local provider, not {provider!r}")
    if provider == "embedded":
        from .embedded import start_embedded_server

        return start_embedded_server(major)
    if provider == "local":
        from .local import start_local_server

        return start_local_server(major or default_local_major(), **local_kwargs)
    if provider == "external":
        from .external import start_external_server

        return start_external_server(major)
    return start_containers_server(major)
