"""Arrays whose element type psycopg does not know: loaded as lists, not as their text.

psycopg loads an array by its type's oid; for an oid it has no loader for (the array of a
domain, PostgreSQL 11+; ``citext[]``; the array of an enum, range or extension type not
registered with ``register_types``) it falls back to the text loader, and a ``list`` model
field then gets the literal ``'{A,b}'``.

``USER_ARRAYS_SQL`` (one small query on ``connect()``, a pool's opening and
``register_types()``; the backend's other new connections apply the rows it read) lists
every array type of a user-defined scalar, domain, enum or range type, with its element's
base type. ``register_user_arrays`` gives each one psycopg's array loader: a domain's
elements load with the loader of the domain's base type (``posint[]`` -> ``[1, 2]``),
elements of a type psycopg does not know load as ``str`` (``citext[]`` -> ``['A', 'b']``).
Types registered with ``register_types`` keep their own loaders. Nothing is decided per
statement or per value.

Only oids that catalogue names an array are parsed as one. A type psycopg has no loader
for whose oid is not in it stays text, as psycopg gives it: built-in types such as
``pg_node_tree`` or ``pg_ndistinct`` (whose text may start with ``{``), arrays of
unregistered composite types (table row types included: register the composite), and
arrays of types created after the backend last read the catalogue, until
``register_types()`` (no arguments) or a new ``connect()``. Telling an array from its text
alone would be a guess, and asking the server per unknown oid would cost a query in the
middle of a fetch (impossible on an async connection).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Iterable, Tuple

from psycopg.pq import Format
from psycopg.types.array import ArrayBinaryLoader, ArrayLoader

__all__ = ["USER_ARRAYS_SQL", "register_user_arrays"]

TEXT_OID = 25
_TEXT, _BINARY = Format.TEXT, Format.BINARY

#: (array oid, element oid, the element's base type oid, delimiter) of the arrays of
#: user-defined (oid >= 16384) scalar, domain, enum, range and multirange types; a domain's
#: base is followed down to a type that is not a domain. Arrays of table row types (one per
#: table) are left out: they are psycopg's text, as composite values are, unless registered.
USER_ARRAYS_SQL = """
WITH RECURSIVE elem (array_oid, elem_oid, base_oid, kind, next_oid, delim, depth) AS (
    SELECT a.oid, e.oid, e.oid, e.typtype, e.typbasetype, a.typdelim, 0
    FROM pg_catalog.pg_type a JOIN pg_catalog.pg_type e ON e.typarray = a.oid
    WHERE a.oid >= 16384 AND e.typtype IN ('b', 'd', 'e', 'r', 'm')
  UNION ALL
    SELECT elem.array_oid, elem.elem_oid, t.oid, t.typtype, t.typbasetype, elem.delim, elem.depth + 1
    FROM elem JOIN pg_catalog.pg_type t ON t.oid = elem.next_oid
    WHERE elem.kind = 'd' AND elem.depth < 16
)
SELECT array_oid, elem_oid, base_oid, delim FROM elem WHERE kind <> 'd'
"""


@cache
def _array_loader(element_oid: int, delimiter: bytes) -> type:
    """psycopg's text array loader for elements of ``element_oid`` (one class per pair:
    classes are kept, as psycopg's own ``register_array`` keeps them)."""
    return type(f"UserArrayLoader{element_oid}", (ArrayLoader,), {"base_oid": element_oid, "delimiter": delimiter})


def register_user_arrays(rows: Iterable[Tuple[int, int, int, str]], context: Any) -> None:
    """Array loaders for the rows of ``USER_ARRAYS_SQL`` on ``context`` (no I/O).

    Call after the registered types: an array that already has a loader (a registered
    enum's, hstore's) keeps it.
    """
    adapters = context.adapters
    for array_oid, elem_oid, base_oid, delim in rows:
        if adapters.get_loader(array_oid, _TEXT) is not None:
            continue
        if elem_oid != base_oid:  # a domain: its elements are its base type's values
            for fmt in (_TEXT, _BINARY):
                base = adapters.get_loader(base_oid, fmt)
                if base is not None and adapters.get_loader(elem_oid, fmt) is None:
                    adapters.register_loader(elem_oid, base)
        element = elem_oid if adapters.get_loader(elem_oid, _TEXT) is not None else TEXT_OID
        adapters.register_loader(array_oid, _array_loader(element, (delim or ",").encode()))
        adapters.register_loader(array_oid, ArrayBinaryLoader)
