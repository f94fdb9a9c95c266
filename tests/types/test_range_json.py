"""Range / Multirange fields survive a pydantic JSON round trip (``model_dump_json`` ->
``model_validate_json``), also through a real save and load, and accept range text."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Optional

import pydantic
import pytest
from rhosocial.activerecord.backend.impl.postgres.types import Multirange, Range

AWARE = timezone(timedelta(hours=3))
CASES = [
    ("int4range", Range(1, 5)),
    ("int4range", Range(None, 5, "(]")),
    ("numrange", Range(Decimal("1.50"), Decimal("2.25"), "(]")),
    ("daterange", Range(date(2024, 1, 1), date(2024, 2, 1))),
    ("tsrange", Range(datetime(2024, 1, 1, 1, 2, 3, 456), None)),
    ("tstzrange", Range(datetime(2024, 1, 1, tzinfo=AWARE), datetime(2024, 6, 1, tzinfo=AWARE))),
    ("daterange", Range(empty=True)),
]


class Holder(pydantic.BaseModel):
    r: Optional[Range] = None
    d: Optional[Range[date]] = None
    m: Optional[Multirange] = None


@pytest.mark.parametrize("value", [v for _, v in CASES], ids=repr)
def test_json_round_trip(value):
    multi = Multirange([] if value.isempty else [value])
    holder = Holder(r=value, m=multi)
    back = Holder.model_validate_json(holder.model_dump_json())
    assert back == holder and type(back.r) is Range and type(back.m) is Multirange
    assert Holder.model_validate(holder.model_dump(mode="json")) == holder


def test_text_forms_and_declared_subtype():
    assert Holder(r="[1,5)").r == Range(1, 5)
    assert Holder(r="empty").r == Range(empty=True)
    assert Holder(r='["2024-01-01 00:00:00+00",)').r == Range(datetime(2024, 1, 1, tzinfo=timezone.utc), None)
    assert Holder(r="(1.5,2]").r == Range(Decimal("1.5"), Decimal("2"), "(]")
    assert Holder(d="[2024-01-01,2024-02-01)").d == Range(date(2024, 1, 1), date(2024, 2, 1))
    assert Holder(d={"lower": "2024-01-01", "upper": None, "bounds": "[)"}).d == Range(date(2024, 1, 1), None)
    with pytest.raises(pydantic.ValidationError):
        Holder(r={"lower": 1})  # not our JSON form
    with pytest.raises(pydantic.ValidationError):
        Holder(r="not a range")


def test_round_trip_through_save_and_load(db, major):
    columns = ", ".join(f"r{i} {kind}" for i, (kind, _) in enumerate(CASES))
    if major >= 14:
        columns += ", m int4multirange"
    table = db.table("rjson", columns)
    fields = {f"r{i}": Optional[Range] for i in range(len(CASES))}
    if major >= 14:
        fields["m"] = Optional[Multirange]
    M = db.model(table, fields)
    values = {f"r{i}": value for i, (_, value) in enumerate(CASES)}
    if major >= 14:
        values["m"] = Multirange([Range(1, 3), Range(5, 7)])
    record = db.save(M(**values))
    loaded = db.one(M.query().where("id = ?", (record.id,)))
    again = M.model_validate_json(loaded.model_dump_json())  # what a JSON API would send back
    assert again.model_dump() == loaded.model_dump()
    again.id = None
    copy = db.save(again)  # and it saves: bounds have their Python types again
    reloaded = db.one(M.query().where("id = ?", (copy.id,)))
    assert {k: getattr(reloaded, k) for k in values} == {k: getattr(loaded, k) for k in values}
    assert loaded.r5.lower == datetime(2024, 1, 1, tzinfo=AWARE)  # same instant


def test_ranges_copy_and_pickle_with_their_bounds():
    """psycopg's Range.__getstate__ reads self.__slots__, empty on our subclass: a deepcopy
    (pydantic model_copy(deep=True)) or a pickle came out without bounds."""
    import copy
    import pickle

    from rhosocial.activerecord.backend.impl.postgres.types import Multirange, Range

    r = Range(1, 5, "[]")
    for clone in (copy.copy(r), copy.deepcopy(r), pickle.loads(pickle.dumps(r))):
        assert (clone.lower, clone.upper, clone.bounds) == (1, 5, "[]") and type(clone) is Range
    m = Multirange([Range(1, 2), Range(4, 6)])
    assert copy.deepcopy(m) == m and pickle.loads(pickle.dumps(m)) == m
