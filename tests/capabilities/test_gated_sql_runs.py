"""Version-gated SQL, built for the connected server and run on it.

Each case builds its statement with the dialect the backend adapted to the session's
server (version, extensions, build options), then either runs it on that server and
checks the answer, or -- where the server lacks the feature -- checks that the dialect
refuses it with UnsupportedFeatureError instead of sending SQL the server rejects.
Run on every major of the matrix (``RHOSOCIAL_PG_MAJOR=10 pytest tests/capabilities``).

Statements run in a transaction that is rolled back, on a psycopg connection of the
session's database; the values go as bind parameters (columns carry none, which is
how a swapped parameter order once stayed hidden).
"""

from __future__ import annotations

import datetime
from typing import Any, Callable

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression import Column, FunctionCall, Literal, TableExpression
from rhosocial.activerecord.backend.expression.functions import date_diff, json_arrayagg, json_objectagg, log
from rhosocial.activerecord.backend.expression.functions import xml as X
from rhosocial.activerecord.backend.expression.statements import (
    CreateViewExpression,
    MergeAction,
    MergeActionType,
    QueryExpression,
    ViewOptions,
)
from rhosocial.activerecord.backend.expression.xml import (
    XMLPassingMechanism,
    XMLSerializeExpression,
    XMLStandaloneOption,
    XMLTableColumn,
    XMLWhitespaceOption,
)
from rhosocial.activerecord.backend.impl.postgres.expressions import (
    CreatePartitionExpression,
    MergeReturningExpression,
    PartitionBound,
)

SETUP = (
    "CREATE TEMP TABLE t (id int PRIMARY KEY, k text, v int)",
    "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 1), (3, 'c', NULL), (4, 'd', 2), (5, 'e', 2)",
)


@pytest.fixture(scope="module")
def d(adapted_backend):
    """The dialect as the backend sets it up for this server."""
    return adapted_backend.dialect


@pytest.fixture(scope="module")
def conn(pg_database):
    with pg_database.connect(autocommit=True) as connection:
        yield connection


@pytest.fixture
def run(conn):
    def run(statement: tuple, *setup: str) -> list:
        sql, params = statement
        with conn.transaction(force_rollback=True):
            for s in SETUP + setup:
                conn.execute(s)
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []
    return run


def select(d, *items: Any) -> tuple:
    return QueryExpression(d, select=list(items)).to_sql()


def select_from_t(d, *items: Any) -> tuple:
    return QueryExpression(d, select=list(items), from_=TableExpression(d, "t")).to_sql()


def refused(build: Callable[[], Any]) -> str:
    with pytest.raises(UnsupportedFeatureError) as info:
        build().to_sql()
    return str(info.value)


# -- 1: date_diff counts from start to end -----------------------------------------------------
@pytest.mark.parametrize("unit, expected",
                         [("SECOND", 37152000), ("DAY", 430), ("WEEK", 61), ("MONTH", 14), ("YEAR", 1)])
def test_date_diff_with_parameters_counts_forward(d, run, unit, expected):
    start, end = Literal(d, "2023-01-15"), Literal(d, "2024-03-20")
    assert run(select(d, date_diff(d, unit, start, end))) == [(expected,)]
    assert run(select(d, date_diff(d, unit, end, start))) == [(-expected,)]


# -- 2: log(x, base) ------------------------------------------------------------------------------
def test_log_with_a_base_takes_the_value_first(d, run):
    assert d.supports_functions()["log"]
    assert float(run(select(d, log(d, 100, 10)))[0][0]) == pytest.approx(2)
    assert float(run(select(d, log(d, 8, 2)))[0][0]) == pytest.approx(3)
    assert float(run(select(d, log(d, 1000)))[0][0]) == pytest.approx(3)  # one argument: base 10


# -- 3: JSON_ARRAYAGG(DISTINCT ...) ----------------------------------------------------------------
def test_json_arrayagg_distinct_runs_or_is_refused(d, run):
    agg = lambda: json_arrayagg(d, Column(d, "v"), is_distinct=True)  # noqa: E731
    if not d.has_capability("json_standard_aggregates"):
        assert "JSON_ARRAYAGG" in refused(agg)
        return
    (distinct,), = run(select_from_t(d, agg()))
    (plain,), = run(select_from_t(d, json_arrayagg(d, Column(d, "v"))))
    assert sorted(distinct) == [1, 2]  # NULL absent, as JSON_ARRAYAGG leaves it out
    assert sorted(plain) == [1, 1, 2, 2]


def test_json_objectagg_distinct_is_refused_and_filter_is_kept(d, run):
    refused(lambda: FunctionCall(d, "JSON_OBJECTAGG", Column(d, "k"), Column(d, "v"), is_distinct=True))
    agg = lambda: json_objectagg(d, Column(d, "k"), Column(d, "v")).filter(Column(d, "v") > Literal(d, 1))  # noqa
    if not d.has_capability("json_standard_aggregates"):
        refused(agg)
        return
    assert run(select_from_t(d, agg())) == [({"d": 2, "e": 2},)]


def test_legacy_json_object_function(d, run):
    assert d.supports_functions()["json_object"]
    assert run(select(d, FunctionCall(d, "JSON_OBJECT", Literal(d, "{a,1}")))) == [({"a": "1"},)]


# -- 4: partition bounds ----------------------------------------------------------------------------
# permanent tables (a temporary parent takes only temporary partitions), rolled back with the rest
PARENT = "CREATE TABLE pt (a int) PARTITION BY RANGE (a)"


def test_literal_partition_bounds_run_on_every_version(d, run):
    bound = PartitionBound(d, "RANGE", from_values=[Literal(d, 100)], to_values=[Literal(d, 200)])
    statement = CreatePartitionExpression(d, "pt_1", "pt", bound).to_sql()
    assert statement[0].endswith("FOR VALUES FROM (100) TO (200)")
    run(statement, PARENT)


def test_expression_partition_bounds_need_12(d, run):
    bound = lambda: PartitionBound(d, "RANGE", from_values=[Literal(d, 100).cast("int")],  # noqa: E731
                                   to_values=[Literal(d, 150) + Literal(d, 50)])
    if d.version < (12,):
        assert "12" in refused(lambda: CreatePartitionExpression(d, "pt_1", "pt", bound()))
    else:
        run(CreatePartitionExpression(d, "pt_1", "pt", bound()).to_sql(), PARENT)


# -- 5..7: SQL/XML ----------------------------------------------------------------------------------
def _doc(d):
    return X.xmlparse(d, Literal(d, "<r><a>1</a><a>2</a></r>"))


@pytest.mark.parametrize("mechanism", [None, XMLPassingMechanism.BY_REF, XMLPassingMechanism.BY_VALUE])
def test_xmlexists_and_xmltable_passing(d, run, mechanism):
    exists = lambda: X.xmlexists(d, Literal(d, "/r/a"), [_doc(d)], mechanism)  # noqa: E731
    table = lambda: X.xmltable(d, Literal(d, "/r/a"), [XMLTableColumn("v", "int", Literal(d, "."))],  # noqa
                               [_doc(d)], mechanism)
    if not d.has_capability("xml"):
        refused(exists)
        return
    assert run(select(d, exists())) == [(True,)]
    sql, params = table().to_sql()
    assert run((f"SELECT v FROM {sql} AS x ORDER BY v", params)) == [(1,), (2,)]


def test_xmlserialize_preserve_whitespace(d, run):
    text = "<a>  <b/> </a>"
    value = X.xmlparse(d, Literal(d, text), document=False, preserve_whitespace=True)
    if not d.has_capability("xml"):
        refused(lambda: X.xmlserialize(d, value, "text", preserve_whitespace=True))
        return
    assert run(select(d, X.xmlserialize(d, value, "text", preserve_whitespace=True))) == [(text,)]
    strip = XMLSerializeExpression(d, value, "text", whitespace_option=XMLWhitespaceOption.STRIP)
    assert "STRIP WHITESPACE" in refused(lambda: strip)


@pytest.mark.parametrize("standalone, declaration", [
    (None, '<?xml version="1.0" standalone="no"?>'),  # STANDALONE left out: the document's is kept
    (XMLStandaloneOption.YES, '<?xml version="1.0" standalone="yes"?>'),
    (XMLStandaloneOption.NO_VALUE, None),
])
def test_xmlroot_without_a_version(d, run, standalone, declaration):
    doc = X.xmlparse(d, Literal(d, '<?xml version="1.0" standalone="no"?><a/>'))
    root = lambda: X.xmlroot(d, doc, None, standalone)  # noqa: E731
    if not d.has_capability("xml"):
        refused(root)
        return
    (text,), = run(select(d, X.xmlserialize(d, root(), "text", document=True)))
    assert text == (declaration or "") + "<a/>"


# -- 8: view options ------------------------------------------------------------------------------
def _view(d, name: str = "vw", **options: Any):
    query = QueryExpression(d, select=[Column(d, "id")], from_=TableExpression(d, "t"))
    return CreateViewExpression(d, name, query, temporary=True, options=ViewOptions(**options))


def _reloptions(run, statement: tuple) -> list:
    rows = run(("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'vw'::regclass", ()), statement[0])
    return rows[0][0]


@pytest.mark.parametrize("security", ["INVOKER", "DEFINER"])
def test_view_security(d, run, security):
    if d.has_capability("security_invoker_views"):
        expected = [f"security_invoker={'true' if security == 'INVOKER' else 'false'}"]
        assert _reloptions(run, _view(d, security=security).to_sql()) == expected
    elif security == "INVOKER":
        assert "15" in refused(lambda: _view(d, security=security))
    else:  # before 15 every view checks its relations' rights as its owner: DEFINER is the only kind
        assert _reloptions(run, _view(d, security=security).to_sql()) == []


@pytest.mark.parametrize("option", [{"read_only": True}, {"definer": "me@%"}, {"force": True},
                                    {"schemabinding": True}, {"encryption": True}])
def test_view_options_postgresql_lacks_are_refused(d, option):
    refused(lambda: _view(d, **option))


def test_recursive_view(d, run):
    query = QueryExpression(d, select=[Literal(d, 1)])
    with pytest.raises(ValueError):
        CreateViewExpression(d, "rv", query, options=ViewOptions(recursive=True)).to_sql()
    from rhosocial.activerecord.backend.expression.operators import RawSQLExpression

    body = RawSQLExpression(d, "SELECT 1 UNION ALL SELECT n + 1 FROM rv WHERE n < 3")
    statement = CreateViewExpression(d, "rv", body, column_aliases=["n"], temporary=True,
                                     options=ViewOptions(recursive=True)).to_sql()
    assert statement[0].startswith('CREATE TEMPORARY RECURSIVE VIEW "rv" ("n")')
    assert run(("SELECT n FROM rv ORDER BY n", ()), statement[0]) == [(1,), (2,), (3,)]


# -- 11: MERGE ... RETURNING -------------------------------------------------------------------------
def test_merge_returning(d, run):
    merge = lambda: MergeReturningExpression(  # noqa: E731
        d, "t", TableExpression(d, "s"), Column(d, "id", "t") == Column(d, "id", "s"),
        when_matched=[MergeAction(action_type=MergeActionType.UPDATE, assignments={"v": Column(d, "v", "s")})],
        when_not_matched=[MergeAction(action_type=MergeActionType.INSERT,
                                      assignments={"id": Column(d, "id", "s"), "v": Column(d, "v", "s")})],
        returning=[FunctionCall(d, "MERGE_ACTION"), Column(d, "id", "t"), Column(d, "v", "t")])
    assert d.supports_merge_returning() is d.has_capability("merge_returning")
    if not d.has_capability("merge_returning"):
        assert "MERGE" in refused(merge)
        return
    rows = run(merge().to_sql(), "CREATE TEMP TABLE s AS SELECT * FROM (VALUES (2, 20), (9, 90)) v(id, v)")
    assert sorted(rows) == [("INSERT", 9, 90), ("UPDATE", 2, 20)]


def test_partition_date_bound_literal(d, run):
    """A Literal holding a date is a plain value too (its text, coerced to the key's type)."""
    bound = PartitionBound(d, "RANGE", from_values=[Literal(d, datetime.date(2024, 1, 1))],
                           to_values=[Literal(d, datetime.date(2025, 1, 1))])
    run(CreatePartitionExpression(d, "pd_1", "pd", bound).to_sql(),
        "CREATE TABLE pd (a date) PARTITION BY RANGE (a)")
