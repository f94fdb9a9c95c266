"""Values JSON and the text formats cannot show as they are: NaN, ±Infinity, ±infinity.

* float and numeric ``NaN`` / ``Infinity`` / ``-Infinity`` become those *strings*
  (PostgreSQL's own spelling): JSON has no such numbers, and ``json.dumps``' default
  ``NaN`` tokens are rejected by strict parsers (``jq``, ``json.loads(parse_constant=...)``).
* date, timestamp, timestamptz and interval ``'infinity'`` / ``'-infinity'`` arrive as
  the backend's sentinels (``date.max``, ``datetime.max``, ``timedelta.max``, ... see
  ``types/temporal.py``); they are shown as ``infinity`` / ``-infinity`` as psql does.
  Like the backend, the tool cannot tell a real 9999-12-31 (or 0001-01-01) from the
  sentinel: both print as infinity.

Finite ``numeric`` values (``Decimal``) are written exactly, in every format: as their
digits with the scale kept (``1.10``, ``0.0000001``, never ``1E-7``), and in JSON as a
number literal of those digits (``dumps`` below), not a float that keeps 17 of them.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, List, Optional

_DATE = {date.max: "infinity", date.min: "-infinity"}
_TIMESTAMP = {
    datetime.max: "infinity", datetime.min: "-infinity",
    datetime.max.replace(tzinfo=timezone.utc): "infinity",
    datetime.min.replace(tzinfo=timezone.utc): "-infinity",
}


def _special(value: Any) -> Any:
    """The display string of a special value, or ``None`` for an ordinary one."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return None
    if isinstance(value, Decimal):
        if value.is_nan():
            return "NaN"
        if value.is_infinite():
            return "Infinity" if value > 0 else "-Infinity"
        return None
    if isinstance(value, datetime):  # before date: a datetime is a date
        # a naive value never equals an aware one, so each matches only its own sentinels
        return _TIMESTAMP.get(value)
    if isinstance(value, date):
        return _DATE.get(value)
    if isinstance(value, timedelta):
        if value == timedelta.max:
            return "infinity"
        if value == timedelta.min:
            return "-infinity"
    return None


def displayable(value: Any) -> Any:
    """``value`` with every special value (also inside lists and dicts) replaced by its string."""
    if isinstance(value, dict):
        return {k: displayable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [displayable(v) for v in value]
    special = _special(value)
    return value if special is None else special


def decimal_text(value: Decimal) -> str:
    """A finite ``Decimal`` as PostgreSQL prints a numeric: plain digits, scale kept."""
    return format(value, "f")


def dumps(value: Any, indent: Optional[int] = 2) -> str:
    """JSON text of ``value`` (JSON-ready data and finite ``Decimal`` numbers), strict.

    The ``json`` module can write a ``Decimal`` only through ``default=``, as a string or
    a float; a number literal with every digit needs an encoder of our own (this one,
    laid out as ``json.dumps(indent=...)``; ``indent=None`` is its one-line form).
    Non-finite numbers must have been replaced by ``displayable`` before: they raise
    ``ValueError``, as ``allow_nan=False`` does.
    """
    out: List[str] = []
    _emit(value, 0, indent, out)
    return "".join(out)


def _emit(value: Any, level: int, indent: Optional[int], out: List[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"Out of range float values are not JSON compliant: {value}")
        out.append(decimal_text(value))
        return
    items: Any = None
    if isinstance(value, dict) and value:
        items, brackets = value.items(), "{}"
    elif isinstance(value, (list, tuple)) and value:
        items, brackets = ((None, v) for v in value), "[]"
    if items is None:
        out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))
        return
    if indent is None:
        separator, inner, close = ", ", "", ""
    else:
        separator, inner, close = ",", "\n" + " " * (indent * (level + 1)), "\n" + " " * (indent * level)
    out.append(brackets[0])
    for index, (key, item) in enumerate(items):
        out.append((separator if index else "") + inner)
        if brackets == "{}":
            out.append(json.dumps(str(key), ensure_ascii=False) + ": ")
        _emit(item, level + 1, indent, out)
    out.append(close + brackets[1])
