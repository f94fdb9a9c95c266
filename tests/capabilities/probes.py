"""Run the capability table's probes on a live server (used by the truth test).

Kept apart from the test module so a developer can run it by hand:
``python -m tests.capabilities.probes "host=... dbname=..."`` prints the JSON report.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rhosocial.activerecord.backend.impl.postgres.capabilities import BUILD_OPTION_PROBES, CAPABILITIES, Capability


@dataclass
class Observation:
    key: str
    observed: bool | None  # None: could not be decided (extension unavailable)
    sqlstate: str | None = None
    error: str | None = None
    stage: str = "probe"  # where it failed: extension, setup, probe, teardown
    notes: list = field(default_factory=list)


def server_facts(conn: psycopg.Connection) -> dict:
    version_num = conn.info.server_version
    major = version_num // 10000 if version_num >= 100000 else version_num // 100
    minor = version_num % 10000 if version_num >= 100000 else version_num % 100
    return {"version_num": version_num, "major": major, "minor": minor}


def available_extensions(conn: psycopg.Connection) -> set | None:
    """Names in pg_available_extensions, or None if that catalogue cannot be read
    (the PostgreSQL 10 npm bundle ships control files with the 13+ ``trusted`` key
    and the view raises); callers then try CREATE EXTENSION and see."""
    try:
        with conn.transaction():
            return {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions").fetchall()}
    except psycopg.Error:
        return None


def build_options(conn: psycopg.Connection) -> dict:
    found = {}
    for name, query in BUILD_OPTION_PROBES.items():
        try:
            with conn.transaction():
                conn.execute(query)
            found[name] = True
        except psycopg.Error:
            found[name] = False
    return found


def installed_extensions(conn: psycopg.Connection) -> dict:
    return {r[0]: r[1] for r in conn.execute("SELECT extname, extversion FROM pg_extension").fetchall()}


def _fail(obs: Observation, exc: psycopg.Error, stage: str) -> Observation:
    obs.observed = False
    obs.sqlstate = getattr(exc, "sqlstate", None)
    obs.error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    obs.stage = stage
    return obs


def run_probe(conn: psycopg.Connection, cap: Capability) -> Observation:
    """Run one row's probe; ``conn`` must be in autocommit mode and idle."""
    obs = Observation(cap.key, None)
    if not cap.transactional:
        return _run_autocommit(conn, cap, obs)
    conn.execute("BEGIN")
    try:
        if cap.extension:
            try:
                conn.execute("SAVEPOINT caps_ext")
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(cap.extension)))
            except psycopg.Error as exc:
                _fail(obs, exc, "extension")
                obs.observed = None  # not decidable: the server lacks the extension's files
                return obs
        for stmt in cap.setup:
            try:
                conn.execute(stmt)
            except psycopg.Error as exc:
                return _fail(obs, exc, "setup")
        try:
            conn.execute(cap.probe)
            obs.observed = True
        except psycopg.Error as exc:
            _fail(obs, exc, "probe")
        return obs
    finally:
        conn.execute("ROLLBACK")


def _run_autocommit(conn: psycopg.Connection, cap: Capability, obs: Observation) -> Observation:
    try:
        for stmt in cap.setup:
            try:
                conn.execute(stmt)
            except psycopg.Error as exc:
                return _fail(obs, exc, "setup")
        try:
            conn.execute(cap.probe)
            obs.observed = True
        except psycopg.Error as exc:
            _fail(obs, exc, "probe")
        return obs
    finally:
        for stmt in cap.teardown:
            try:
                conn.execute(stmt)
            except psycopg.Error as exc:  # pragma: no cover - leaves a note, not a verdict
                obs.notes.append(f"teardown failed: {exc}")


def observe_all(dsn: str) -> dict:
    """Probe every row on the server at ``dsn``; return the JSON-able report."""
    from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect

    with psycopg.connect(dsn, autocommit=True) as conn:
        facts = server_facts(conn)
        available = available_extensions(conn)
        options = build_options(conn)
        observations = {key: run_probe(conn, cap) for key, cap in CAPABILITIES.items()}
        installed = installed_extensions(conn)
    # The dialect's answer for this server, told what the backend would tell it:
    # extensions whose CREATE EXTENSION worked count as installed.
    dialect = PostgresDialect(version=(facts["major"], facts["minor"], 0))
    created = {k: "probe" for k, o in observations.items() if CAPABILITIES[k].extension and o.stage != "extension"}
    dialect.set_build_options(options)
    dialect.set_extensions({**installed, **{CAPABILITIES[k].extension: v for k, v in created.items()}}, available)
    results: dict[str, Any] = {}
    for key, cap in CAPABILITIES.items():
        obs = observations[key]
        results[key] = {
            "since": None if cap.since is None else f"{cap.since[0]}.{cap.since[1]}",
            "extension": cap.extension,
            "category": cap.category,
            "description": cap.description,
            "declared": dialect.has_capability(key),
            "observed": obs.observed,
            "stage": obs.stage if obs.error else None,
            "sqlstate": obs.sqlstate,
            "error": obs.error,
            "notes": obs.notes,
        }
    return {
        "server": facts,
        "extension_catalogue_readable": available is not None,
        "build_options": options,
        "results": results,
    }


def report_dir() -> Path:
    default = Path(__file__).resolve().parents[2] / "build" / "capabilities"
    return Path(os.environ.get("RHOSOCIAL_CAPS_REPORT_DIR") or default)


def write_report(report: dict, directory: Path | None = None) -> Path:
    directory = directory or report_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"pg{report['server']['major']}.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(observe_all(sys.argv[1]), indent=2, sort_keys=True))
