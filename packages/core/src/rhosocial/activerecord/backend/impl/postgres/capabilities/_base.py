"""The row type of the capability table and setup fragments its probes share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Tuple

Version = Tuple[int, int]


@dataclass(frozen=True)
class Capability:
    """One PostgreSQL feature and how to prove it is there."""

    key: str
    since: Version | None  # first (major, minor); None: no version has it
    description: str
    probe: str
    setup: Tuple[str, ...] = ()
    extension: str | None = None  # pg_available_extensions name
    build_option: str | None = None  # compile-time option the server needs (see BUILD_OPTION_PROBES)
    category: str = "general"
    transactional: bool = True
    teardown: Tuple[str, ...] = ()

    def available_in(self, version: Iterable[int]) -> bool:
        """True when a server of ``version`` (major, minor[, patch]) has the feature
        (ignoring extensions, which depend on the database, not the server)."""
        if self.since is None:
            return False
        return tuple(version)[:2] >= self.since


# Setup fragments shared by many probes. Setup may only use what the oldest
# supported server (10) has: a failing setup is reported as a broken probe.
_T = ("CREATE TEMP TABLE caps_t (id int PRIMARY KEY, v int, doc jsonb)",)
_T1 = _T + ("INSERT INTO caps_t VALUES (1, 10, '{\"a\": 1}')",)
_SERIES = "generate_series(1, 3) AS g(x)"
_RCTE = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) {clause} "
    "SELECT * FROM r"
)
_TRIGGER_FN = (
    "CREATE FUNCTION pg_temp.caps_trg() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NEW; END $$",
)
