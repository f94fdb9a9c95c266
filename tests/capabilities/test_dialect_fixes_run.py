"""Dialect spellings checked on the server beyond one call per function (test_functions_run):
JSON path keys with escapes, IN over an empty list, and the edges of the rewritten calls."""

from __future__ import annotations

import json

import pytest
from rhosocial.activerecord.backend.expression import Column, Literal
from rhosocial.activerecord.backend.expression import functions as F
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType

KEYS = {'dq"k': 1, "back\\slash": 2, "é😀": 3, "%s?": 4, "it's": 5, "a.b": 6, "tab\tkey": 7}
DOC = {**KEYS, "x": KEYS}


@pytest.fixture(scope="module")
def backend(pg_database, adapted_backend):
    backend = adapted_backend
    with pg_database.connect(autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS fx_t")
        conn.execute("CREATE TABLE fx_t (id int PRIMARY KEY, v int, f float8, j jsonb, js json)")
        conn.execute("INSERT INTO fx_t VALUES (1, 10, 2.567, %s, %s), (2, NULL, -1.25, NULL, NULL)",
                     (json.dumps(DOC), json.dumps(DOC)))
    yield backend


def rows(backend, expr, where: str = "") -> list:
    sql, params = expr.to_sql()
    result = backend.execute(f"SELECT {sql} FROM fx_t {where} ORDER BY id", params,
                             options=ExecutionOptions(stmt_type=StatementType.DQL))
    return [next(iter(row.values())) for row in result.data or []]


def ids(backend, predicate) -> list:
    sql, params = predicate.to_sql()
    result = backend.execute(f"SELECT id FROM fx_t WHERE {sql} ORDER BY id", params,
                             options=ExecutionOptions(stmt_type=StatementType.DQL))
    return [row["id"] for row in result.data or []]


def _quoted(key: str) -> str:
    """``key`` as a quoted JSON path step: JSON string escapes (json.dumps writes them)."""
    return json.dumps(key)


@pytest.mark.parametrize("column", ["j", "js"])
@pytest.mark.parametrize("key", sorted(KEYS))
def test_json_path_keys_with_escapes(backend, column, key):
    d = backend.dialect
    one_step = F.json_extract_text(d, Column(d, column), f"$.{_quoted(key)}")
    two_steps = F.json_extract_text(d, Column(d, column), f"$.x.{_quoted(key)}")
    assert rows(backend, one_step, "WHERE id = 1") == [str(KEYS[key])]
    assert rows(backend, two_steps, "WHERE id = 1") == [str(KEYS[key])]


def test_json_path_unicode_escapes(backend):
    d = backend.dialect
    path = '$."\\u00e9\\ud83d\\ude00"'  # é and a surrogate pair, as JSON writes them
    assert rows(backend, F.json_extract_text(d, Column(d, "j"), path), "WHERE id = 1") == ["3"]


def test_in_an_empty_list(backend):
    d = backend.dialect
    v = Column(d, "v")
    assert ids(backend, v.in_([])) == []
    assert ids(backend, v.not_in([])) == [1, 2]  # TRUE for the NULL row too: nothing to differ from
    assert ids(backend, v.in_([10, 11])) == [1]
    assert ids(backend, v.not_in([10])) == []  # NULL NOT IN (10) is NULL, as SQL has it


def test_round_and_trunc_with_and_without_a_precision(backend):
    d = backend.dialect
    f = Column(d, "f")
    assert [str(x) for x in rows(backend, F.round_(d, f, 2))] == ["2.57", "-1.25"]
    assert [str(x) for x in rows(backend, F.truncate(d, f, 1))] == ["2.5", "-1.2"]
    assert rows(backend, F.round_(d, f)) == [3.0, -1.0]  # float8 stays float8 without a precision
    assert rows(backend, F.truncate(d, f)) == [2.0, -1.0]
    assert [str(x) for x in rows(backend, F.round_(d, f * Literal(d, 2), 1))] == ["5.1", "-2.5"]


def test_time_precision_is_an_inline_integer(backend):
    d = backend.dialect
    for build in (F.current_timestamp, F.localtimestamp):
        assert build(d, 0).to_sql()[1] == ()
        assert all(v.microsecond == 0 for v in rows(backend, build(d, 0)))
        for bad in (7, -1, "3", 2.0, True, "1) ; DROP TABLE fx_t; --"):
            with pytest.raises(ValueError):
                build(d, bad).to_sql()


def test_overlay_and_position_forms(backend):
    d = backend.dialect
    assert rows(backend, F.overlay(d, "abcdef", "ZZ", 3), "WHERE id = 1") == ["abZZef"]
    assert rows(backend, F.overlay(d, "abcdef", "ZZ", 3, 0), "WHERE id = 1") == ["abZZcdef"]
    haystack = F.concat(d, Literal(d, "xx"), F.upper(d, "abc"))
    assert rows(backend, F.position(d, F.lower(d, "B"), F.lower(d, haystack)), "WHERE id = 1") == [4]


def test_only_untyped_parameters_are_cast_for_variadic_functions(backend):
    d = backend.dialect
    expr = F.concat(d, Column(d, "v"), "-", Literal(d, 5), Column(d, "f"))
    sql, params = expr.to_sql()
    assert sql == 'CONCAT("v", %s::text, %s, "f")' and params == ("-", 5)
    assert rows(backend, expr) == ["10-52.567", "-5-1.25"]
    built = F.json_build_object(d, "k", None, "v", Column(d, "v"))
    assert rows(backend, built, "WHERE id = 1") == [{"k": None, "v": 10}]


def test_json_array_elements_of_json_jsonb_and_text(backend):
    d = backend.dialect
    for source in (F.json_extract(d, Column(d, "j"), "$.x"), Column(d, "js"), Literal(d, "[1, [2], {\"a\": 3}]")):
        sql, params = F.json_array_elements(d, source).to_sql()
        assert "::json" in sql
    values = rows(backend, F.json_array_elements(d, Literal(d, '[1, [2], {"a": 3}]')), "WHERE id = 1")
    assert values == [1, [2], {"a": 3}]
