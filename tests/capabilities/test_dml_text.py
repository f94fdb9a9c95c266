"""``dml_text``: the INSERT/UPDATE text built directly equals what the core's own
``insert``/``update`` builders produce, statement and parameters, for every shape it takes;
anything else is left to the core (None)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rhosocial.activerecord.backend.base.operations import SQLOperationsMixin
from rhosocial.activerecord.backend.expression import Column, FunctionCall, Literal
from rhosocial.activerecord.backend.expression.predicates import ComparisonPredicate
from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect
from rhosocial.activerecord.backend.impl.postgres.dml_text import plain_insert, plain_update
from rhosocial.activerecord.backend.options import InsertOptions, UpdateOptions

DIALECT = PostgresDialect(version=(18, 0, 0))


class _Capture(SQLOperationsMixin):
    """Runs the core's insert/update and keeps the statement instead of executing it."""

    dialect = DIALECT

    def execute(self, sql, params=None, *, options=None):
        self.sent = (sql, tuple(params))
        return None

    def _handle_auto_commit_if_needed(self):
        pass


def _core(method, options):
    capture = _Capture()
    getattr(capture, method)(options)
    return capture.sent


VALUES = {"name": "a %s 'b'", "score": 3, "price": Decimal("1.50"), "meta": {"k": [1, None]},
          "tags": ["x", "y"], "created": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
          "nothing": None}


@pytest.mark.parametrize("table,schema,returning", [
    ("items", None, ["id"]),
    ('we"ird %s table', "s x", None),
    ("items", "public", ["id", "name"]),
])
def test_insert_text_equals_the_cores(table, schema, returning):
    options = InsertOptions(table=table, data=dict(VALUES), schema_name=schema, returning_columns=returning)
    assert plain_insert(DIALECT, options) == _core("insert", options)


def _where():
    id_is = ComparisonPredicate(DIALECT, "=", Column(DIALECT, "id"), Literal(DIALECT, 7))
    name_is = ComparisonPredicate(DIALECT, "=", Column(DIALECT, 'na"me'), Literal(DIALECT, "x"))
    return [id_is, id_is & name_is]


@pytest.mark.parametrize("where_index", [0, 1])
@pytest.mark.parametrize("schema,returning", [(None, None), ("s x", ["id", "score"])])
def test_update_text_equals_the_cores(where_index, schema, returning):
    options = UpdateOptions(table='t "%"', data=dict(VALUES), where=_where()[where_index], schema_name=schema,
                            returning_columns=returning)
    assert plain_update(DIALECT, options) == _core("update", options)


def test_expressions_and_unusual_shapes_are_left_to_the_core():
    now = FunctionCall(DIALECT, "now")
    assert plain_insert(DIALECT, InsertOptions(table="t", data={"a": 1, "b": now})) is None
    assert plain_update(DIALECT, UpdateOptions(table="t", data={"a": Column(DIALECT, "b")}, where=_where()[0])) is None
    assert plain_update(DIALECT, UpdateOptions(table="t", data={"a": 1}, where=None)) is None


def test_cached_text_follows_the_shape():
    first = plain_insert(DIALECT, InsertOptions(table="t", data={"a": 1, "b": 2}))
    second = plain_insert(DIALECT, InsertOptions(table="t", data={"b": 2, "a": 1}))
    assert first[0] != second[0] and first[1] == (1, 2) and second[1] == (2, 1)
    again = plain_insert(DIALECT, InsertOptions(table="t", data={"a": 5, "b": 6}))
    assert again == (first[0], (5, 6))


def test_insert_without_data_is_default_values():
    """A model whose columns all have defaults: the core writes ``VALUES ()``, a syntax error."""
    assert plain_insert(DIALECT, InsertOptions(table="t", data={}, returning_columns=["id"])) == (
        'INSERT INTO "t" DEFAULT VALUES RETURNING "id"', ())
    assert plain_insert(DIALECT, InsertOptions(table="t", data={}, schema_name="s")) == (
        'INSERT INTO "s"."t" DEFAULT VALUES', ())
