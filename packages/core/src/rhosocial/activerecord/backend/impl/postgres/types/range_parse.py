"""Reading ranges from JSON data and text (what ``range_to_json`` and PostgreSQL write),
for the pydantic validation of ``Range`` / ``Multirange`` fields in ``range.py``."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Optional, get_args

from psycopg.types.range import Range as _PgRange

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RANGE_TEXT = re.compile(r'\s*([\[(])\s*("(?:[^"\\]|\\.)*"|[^,"]*?)\s*,\s*("(?:[^"\\]|\\.)*"|[^,"]*?)\s*([\])])\s*')


_SHORT_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")


def parse_iso_datetime(text: str) -> datetime:
    """``datetime.fromisoformat`` as Python 3.11 reads it, on 3.10 too: a ``Z`` suffix and
    PostgreSQL's short offsets (``+00``, ``+0530``) are ISO 8601 but 3.10 refuses them."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        match = _SHORT_OFFSET.search(text)
        if match is None:
            raise
        offset = match.group()
        if offset == "Z":
            offset = "+00:00"
        else:
            digits = offset[1:].replace(":", "")
            offset = f"{offset[0]}{digits[:2]}:{digits[2:4] or '00'}"
        return datetime.fromisoformat(text[:match.start()] + offset)


def _infer_bound(text: str) -> Any:
    """A bound that the JSON serialiser wrote as a string (``range_to_json``): ISO date,
    ISO datetime (aware or naive) or a Decimal's text; any other string stays a str."""
    if _ISO_DATE.fullmatch(text):
        return date.fromisoformat(text)
    if len(text) > 10 and _ISO_DATE.match(text):
        try:
            return parse_iso_datetime(text)
        except ValueError:
            return text
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return number if number.is_finite() and "_" not in text else text


def bound_parser(source: Any) -> Callable[[Any], Any]:
    """How to read a bound from JSON data: by the declared subtype (``Range[date]``)
    with pydantic, else by inference (``_infer_bound``)."""
    args = [arg for arg in get_args(source) if arg is not Any]
    if len(args) == 1:
        from pydantic import TypeAdapter

        adapter = TypeAdapter(args[0])
        return lambda bound: None if bound is None else adapter.validate_python(bound)
    return lambda bound: _infer_bound(bound) if isinstance(bound, str) else bound


def _text_bound(text: str, parse: Callable[[Any], Any]) -> Any:
    if text.startswith('"'):
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    elif not text:
        return None
    elif re.fullmatch(r"[+-]?\d+", text):
        return parse(int(text))
    return parse(text)


def as_range(value: Any, cls: Any, parse: Callable[[Any], Any]) -> Optional[Any]:
    """``value`` (any accepted input form) as ``cls``, or None if it is none of them."""
    if isinstance(value, _PgRange):
        if value.isempty:
            return cls(empty=True)
        return value if type(value) is cls else cls(value.lower, value.upper, value.bounds)
    if isinstance(value, (tuple, list)):
        if len(value) in (2, 3):
            return cls(*value)
        return cls(empty=True) if len(value) == 0 else None
    if isinstance(value, dict) and value.keys() == {"lower", "upper", "bounds"}:  # range_to_json
        return cls(parse(value.get("lower")), parse(value.get("upper")), value.get("bounds", "[)"))
    if isinstance(value, str):
        if value.strip().lower() == "empty":
            return cls(empty=True)
        match = _RANGE_TEXT.fullmatch(value)
        if match:
            lower, upper = (_text_bound(match.group(i), parse) for i in (2, 3))
            return cls(lower, upper, match.group(1) + match.group(4))
    return None
