"""The README's Array, JSONB and Range examples, as written (field types ``list``,
``dict`` and ``tuple``), through models, sync and async."""

from __future__ import annotations

from datetime import date
from typing import Optional


def test_readme_array_example(db):
    table = db.table("articles", "title text, tags text[]")
    Article = db.model(table, {"title": str, "tags": list})
    db.save(Article(title="postgres Arrays", tags=["database", "postgres", "arrays"]))
    db.save(Article(title="other", tags=["mysql"]))
    found = db.all(Article.query().where("? = ANY(tags)", ("postgres",)))
    assert [a.title for a in found] == ["postgres Arrays"]
    assert found[0].tags == ["database", "postgres", "arrays"]


def test_readme_jsonb_example(db):
    table = db.table("products", "name text, attributes jsonb")
    Product = db.model(table, {"name": str, "attributes": dict})
    attributes = {"brand": "Dell", "specs": {"cpu": "Intel i7", "ram": "16GB"}}
    db.save(Product(name="Laptop", attributes=attributes))
    db.save(Product(name="Phone", attributes={"brand": "Apple"}))
    found = db.all(Product.query().where("attributes->>'brand' = ?", ("Dell",)))
    assert [p.name for p in found] == ["Laptop"]
    assert found[0].attributes == attributes
    found = db.all(Product.query().where("attributes @> ?", ('{"brand": "Dell"}',)))
    assert [p.name for p in found] == ["Laptop"]
    # a dict parameter is sent as jsonb too
    found = db.all(Product.query().where("attributes @> ?", ({"specs": {"ram": "16GB"}},)))
    assert [p.name for p in found] == ["Laptop"]


def test_readme_range_example(db):
    table = db.table("bookings", "room_id int, date_range daterange")
    Booking = db.model(table, {"room_id": int, "date_range": tuple})
    booking = db.save(Booking(room_id=101, date_range=(date(2024, 1, 1), date(2024, 1, 7))))
    # stored inclusive at both ends (PostgreSQL shows the canonical '[)' form)
    text = db.fetch(f'SELECT date_range::text AS r FROM "{table}" WHERE id = %s', (booking.id,))
    assert text[0]["r"] == "[2024-01-01,2024-01-08)"
    for day, hit in ((date(2024, 1, 1), True), (date(2024, 1, 3), True), (date(2024, 1, 7), True),
                     (date(2024, 1, 8), False), (date(2023, 12, 31), False)):
        found = db.all(Booking.query().where("date_range @> ?", (day,)))
        assert bool(found) is hit, day
    found = db.all(Booking.query().where("date_range @> ?", (date(2024, 1, 3),)))
    assert found[0].date_range == (date(2024, 1, 1), date(2024, 1, 7))
    assert found[0].room_id == 101


def test_readme_range_example_optional_and_update(db):
    table = db.table("bookings", "room_id int, date_range daterange")
    Booking = db.model(table, {"room_id": int, "date_range": Optional[tuple]})
    booking = db.save(Booking(room_id=1, date_range=None))
    booking.date_range = (date(2024, 2, 1), None)  # unbounded above
    db.save(booking)
    found = db.one(Booking.query().where("date_range @> ?", (date(2030, 1, 1),)))
    assert found.date_range == (date(2024, 2, 1), None)
    booking.date_range = ()  # the empty range
    db.save(booking)
    found = db.one(Booking.query().where("isempty(date_range) = ?", (True,)))
    assert found.date_range == ()
