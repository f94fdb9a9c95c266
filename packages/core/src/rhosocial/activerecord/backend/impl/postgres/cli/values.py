"""Values JSON and the text formats cannot show as they are: NaN, ±Infinity, ±infinity.

* float and numeric ``NaN`` / ``Infinity`` / ``-Infinity`` become those *strings*
  (PostgreSQL's own spelling): JSON has no such numbers, and ``json.dumps``' default
  ``NaN`` tokens are rejected by strict parsers (``jq``, ``json.loads(parse_constant=...)``).
* date, timestamp, timestamptz and interval ``'infinity'`` / ``'-infinity'`` arrive as
  the backend's sentinels (``date.max``, ``datetime.max``, ``timedelta.max``, ... see
  ``types/temporal.py``); they are shown as ``infinity`` / ``-infinity`` as psql does.
  Like the backend, the tool cannot tell a real 9999-12-31 (or 0001-01-01) from the
  sentinel: both print as infinity.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

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
