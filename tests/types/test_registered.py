"""Server-defined types registered with ``backend.register_types``: enums,
composites, hstore."""

from __future__ import annotations

import enum
from typing import NamedTuple, Optional

from rhosocial.activerecord.backend.impl.postgres.types import (
    CompositeType,
    EnumType,
    Hstore,
    HstoreType,
)

from tests.gates import require_extension


class Mood(enum.Enum):
    sad = "sad"
    ok = "ok"
    happy = "happy"


class Colour(enum.Enum):
    RED = 1
    GREEN = 2


class Address(NamedTuple):
    street: str
    number: Optional[int]
    city: Optional[str]


def test_enum(db):
    db.execute(f"DROP TYPE IF EXISTS mood_{db.name} CASCADE")
    db.execute(f"CREATE TYPE mood_{db.name} AS ENUM ('sad', 'ok', 'happy')")
    db.execute(f"DROP TYPE IF EXISTS colour_{db.name} CASCADE")
    db.execute(f"CREATE TYPE colour_{db.name} AS ENUM ('red', 'green')")
    db.register_types(EnumType(f"mood_{db.name}", Mood),
                      EnumType(f"colour_{db.name}", Colour, mapping={Colour.RED: "red", Colour.GREEN: "green"}))
    table = db.table("enum", f"mood mood_{db.name}, colour colour_{db.name}")
    M = db.model(table, {"mood": Optional[Mood], "colour": Optional[Colour]})
    for mood, colour in ((Mood.happy, Colour.RED), (Mood.sad, Colour.GREEN), (None, None)):
        db.save(M(mood=mood, colour=colour))
    rows = db.all(M.query().order_by("id"))
    assert [(r.mood, r.colour) for r in rows] == [(Mood.happy, Colour.RED), (Mood.sad, Colour.GREEN), (None, None)]
    assert len(db.all(M.query().where("mood > ?", (Mood.sad,)))) == 1  # enum order
    assert len(db.all(M.query().where("colour = ?", (Colour.GREEN,)))) == 1
    assert db.fetch(f'SELECT colour::text AS c FROM "{table}" ORDER BY id LIMIT 1') == [{"c": "red"}]
    # survives a reconnection
    db.run(db.backend.disconnect())
    db.run(db.backend.connect())
    assert db.one(M.query().where("mood = ?", (Mood.happy,))).colour is Colour.RED


def test_composite(db):
    name = f"address_{db.name}"
    db.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
    db.execute(f"CREATE TYPE {name} AS (street text, number int, city text)")
    db.register_types(CompositeType(name, Address))
    table = db.table("comp", f"home {name}")
    M = db.model(table, {"home": Optional[Address]})
    home = Address('Main "St", 1', 12, "Zürich")
    db.save(M(home=home))
    db.save(M(home=Address("Side", None, None)))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].home == home and isinstance(rows[0].home, Address)
    assert rows[1].home == Address("Side", None, None)
    assert len(db.all(M.query().where("(home).city = ?", ("Zürich",)))) == 1
    assert len(db.all(M.query().where("home = ?", (home,)))) == 1


def test_hstore(db):
    require_extension(db.backend.config.conninfo(), "hstore")  # skips only if the server lacks hstore
    db.execute("CREATE EXTENSION IF NOT EXISTS hstore")
    db.register_types(HstoreType())
    table = db.table("hs", "attrs hstore, doc jsonb")
    M = db.model(table, {"attrs": Optional[Hstore], "doc": Optional[dict]})
    attrs = {"a": "1", "b": None, "ü 🐘": 'quote " and \\ backslash', "": "empty key"}
    db.save(M(attrs=attrs, doc={"still": "jsonb"}))
    db.save(M(attrs={}, doc=None))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].attrs == attrs and isinstance(rows[0].attrs, Hstore) and rows[1].attrs == {}
    assert rows[0].doc == {"still": "jsonb"}
    assert len(db.all(M.query().where("attrs -> ? = ?", ("a", "1")))) == 1
    assert len(db.all(M.query().where("attrs \\? ?", ("b",)))) == 1
    assert len(db.all(M.query().where("attrs @> ?", (Hstore({"a": "1"}),)))) == 1
