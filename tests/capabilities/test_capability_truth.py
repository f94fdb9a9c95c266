"""Every row of the capability table, probed on a real server: declared == observed.

Declared is what ``PostgresDialect`` answers for this server version (and the
extensions the probe could create); observed is whether the row's probe ran.
A row declared present must succeed. A row declared absent must fail with the
error of *that* feature being unknown: its expected SQLSTATE and message
(``EXPECTED_ABSENT``: the syntax error at the new keyword, the missing function,
type or EXPLAIN option), so that a broken probe (a typo, a missing setup table,
a permission) is not taken for an absent feature. The observations are written
to ``$RHOSOCIAL_CAPS_REPORT_DIR/pg<major>.json`` (default build/capabilities/)
for ``tools/capability_table.py``.

Run on several majors: ``RHOSOCIAL_PG_MAJOR=12 pytest tests/capabilities`` (local binaries,
or ``--pg-provider local --pg-major 12``).
"""

from __future__ import annotations

import re

import pytest
from rhosocial.activerecord.backend.impl.postgres.capabilities import CAPABILITIES, MINIMUM_SERVER_VERSION

from .probes import observe_all, write_report


def _syntax(token: str) -> tuple:
    return ("42601", f'syntax error at or near "{re.escape(token)}"')


def _function(name: str) -> tuple:
    return ("42883", f"function {re.escape(name)}\\(.*\\) does not exist")


def _explain_option(name: str) -> tuple:
    return ("42601", f'unrecognized EXPLAIN option "{name}"')


#: key -> (SQLSTATE, message regex): how the probe of a row fails on a server without the
#: feature (observed on PostgreSQL 10 to 18). Every row that some supported major lacks has
#: an entry (test_every_row_that_can_be_absent_has_an_expected_error).
EXPECTED_ABSENT = {
    # DML
    "returning_old_new": ("42P01", 'missing FROM-clause entry for table "old"'),
    "merge": _syntax("MERGE"),
    "merge_returning": ("42601", 'syntax error at or near "(MERGE|RETURNING)"'),  # RETURNING: 15, 16
    "merge_not_matched_by_source": ("42601", 'syntax error at or near "(MERGE|BY)"'),  # BY: 15, 16
    "multiple_on_conflict": _syntax("ON"),
    # queries
    "materialized_cte": _syntax("MATERIALIZED"),
    "cte_search": _syntax("SEARCH"),
    "cte_cycle": _syntax("CYCLE"),
    "window_frame_range_offset": ("0A000", "RANGE PRECEDING is only supported with UNBOUNDED"),
    "window_frame_groups": _syntax("GROUPS"),
    "window_frame_exclude": _syntax("EXCLUDE"),
    "fetch_with_ties": _syntax("WITH"),
    "qualify": _syntax("QUALIFY"),
    "temporal_tables": _syntax("SYSTEM_TIME"),
    "graph_table": _syntax("MATCH"),
    "set_operation_for_update": ("0A000", "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT"),
    # JSON
    "jsonb_subscripting": ("42804", "cannot subscript type jsonb because it is not an array"),
    "jsonpath": _function("jsonb_path_query"),
    "json_is_json": _syntax("JSON"),
    "json_constructors": _syntax("VALUE"),
    "json_standard_aggregates": _syntax("VALUE"),
    "json_query_functions": _syntax("RETURNING"),
    "json_scalar_serialize": _function("json_scalar"),
    "json_table": _syntax("COLUMNS"),
    # types and functions
    "multirange": ("42704", 'type "int4multirange" does not exist'),
    "range_agg": _function("range_agg"),
    "gen_random_uuid": _function("pg_catalog.gen_random_uuid"),
    "uuidv7": _function("pg_catalog.uuidv7"),
    "unistr": _function("unistr"),
    "regexp_like": _function("regexp_like"),
    "any_value": _function("any_value"),
    "system_user": ("42703", 'column "system_user" does not exist'),
    "date_bin": _function("date_bin"),
    "gcd_lcm": _function("gcd"),
    "array_shuffle": _function("array_shuffle"),
    "array_sort": _function("array_sort"),
    "xml_passing_by_value": _syntax("VALUE"),
    "xmlquery": _syntax("PASSING"),
    "websearch_to_tsquery": _function("websearch_to_tsquery"),
    # EXPLAIN (before 16 the $1 of the GENERIC_PLAN probe is refused before the option is read)
    "explain_settings": _explain_option("settings"),
    "explain_wal": _explain_option("wal"),
    "explain_generic_plan": ("42P02", r"there is no parameter \$1"),
    "explain_serialize_memory": _explain_option("serialize"),
    # DDL: tables, indexes, partitions, objects
    "generated_columns": _syntax("("),
    "virtual_generated_columns": ("42601", r'syntax error at or near "(\(|VIRTUAL)"'),  # "(": 10, 11
    "nulls_not_distinct": _syntax("NULLS"),
    "constraint_not_enforced": _syntax("ENFORCED"),
    "temporal_primary_key": _syntax("WITHOUT"),
    "index_include": _syntax("INCLUDE"),
    "index_nulls_not_distinct": _syntax("NULLS"),
    "reindex_concurrently": _syntax("CONCURRENTLY"),
    "hash_partitioning": _syntax("WITH"),
    "default_partition": _syntax("DEFAULT"),
    "partitioned_indexes": ("42809", 'cannot create index on partitioned table "caps_p"'),
    "partition_bound_expressions": _syntax("+"),
    "detach_partition_concurrently": _syntax("CONCURRENTLY"),
    "partition_reorganize": _syntax("TRUNCATE"),
    "security_invoker_views": ("22023", 'unrecognized parameter "security_invoker"'),
    "current_role_in_role_spec": _syntax("CURRENT_ROLE"),
    "ddl_extraction_native": _function("pg_get_tabledef"),
    "fulltext_index_ddl": _syntax("FULLTEXT"),
    "sequence_order": _syntax("ORDER"),
    # routines and triggers
    "procedures": _syntax("PROCEDURE"),
    "execute_function_syntax": _syntax("FUNCTION"),
    "create_or_replace_trigger": _syntax("TRIGGER"),
    "trigger_if_not_exists": _syntax("NOT"),
}

#: a server built without the option a row needs (BUILD_OPTION_PROBES) fails it this way
BUILD_OPTION_ABSENT = {"libxml": ("0A000", "unsupported XML feature")}

#: CREATE EXTENSION of an extension the server does not ship (15+: 0A000, before: 58P01)
EXTENSION_NOT_SHIPPED = (("0A000", 'extension "{name}" is not available'),
                         ("58P01", 'could not open extension control file ".*/{name}.control"'))


@pytest.fixture(scope="module")
def truth_report(pg_database):
    report = observe_all(pg_database.dsn)
    write_report(report)
    return report


def _expected_absence(report: dict, key: str) -> tuple:
    option = CAPABILITIES[key].build_option
    if option and not report["build_options"].get(option, True):
        return BUILD_OPTION_ABSENT[option]
    return EXPECTED_ABSENT[key]


@pytest.mark.parametrize("key", sorted(CAPABILITIES))
def test_declared_matches_server(truth_report, key):
    row = truth_report["results"][key]
    major = truth_report["server"]["major"]
    if row["observed"] is None:
        name = row["extension"]
        assert any(row["sqlstate"] == state and re.search(pattern.format(name=re.escape(name)), row["error"] or "")
                   for state, pattern in EXTENSION_NOT_SHIPPED), (
            f"{key}: CREATE EXTENSION {name} failed on PostgreSQL {major} for another reason than the "
            f"extension not being shipped: [{row['sqlstate']}] {row['error']}")
        pytest.skip(f"extension {name!r} not available on this server: {row['error']}")
    assert row["stage"] != "setup", f"{key}: probe setup failed on PostgreSQL {major}: {row['error']}"
    if row["declared"]:
        assert row["observed"], (
            f"{key} is declared from {row['since']} but its probe failed on PostgreSQL {major}: "
            f"[{row['sqlstate']}] {row['error']}"
        )
    else:
        assert not row["observed"], f"{key} is declared absent on PostgreSQL {major} but its probe succeeded"
        state, pattern = _expected_absence(truth_report, key)
        assert row["sqlstate"] == state and re.search(pattern, row["error"] or ""), (
            f"{key}: probe failed on PostgreSQL {major} with [{row['sqlstate']}] {row['error']!r}, "
            f"not with the error of an absent feature: [{state}] /{pattern}/"
        )


def test_report_covers_every_row(truth_report):
    assert set(truth_report["results"]) == set(CAPABILITIES)


def test_every_row_that_can_be_absent_has_an_expected_error():
    """Rows some supported major lacks (since None or after the minimum) need an EXPECTED_ABSENT
    entry; rows every supported major has need none (a stale entry is reported too)."""
    can_be_absent = {key for key, cap in CAPABILITIES.items()
                     if cap.since is None or cap.since > MINIMUM_SERVER_VERSION}
    assert sorted(can_be_absent - set(EXPECTED_ABSENT)) == [], "add their absent error to EXPECTED_ABSENT"
    assert sorted(set(EXPECTED_ABSENT) - can_be_absent) == [], "no supported major lacks these rows"
    assert set(BUILD_OPTION_ABSENT) >= {cap.build_option for cap in CAPABILITIES.values() if cap.build_option}
