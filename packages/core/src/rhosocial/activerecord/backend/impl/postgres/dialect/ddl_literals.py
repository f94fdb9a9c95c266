"""Inline bound values into DDL text: PostgreSQL has no parameters in utility statements.

psycopg binds ``%s`` on the server, and the server refuses parameters in
CREATE/ALTER statements ("there is no parameter $1"). The core's expressions
still produce ``(sql, params)`` for a CHECK (price > 0), a partial-index WHERE,
a view's query or a DEFAULT; every DDL formatter of this dialect therefore
returns its text with each value quoted in place (``psycopg.sql.quote``, which
needs no connection) and an empty parameter tuple.

Text conventions are the backend's (see ``sql_text``): ``%%`` outside quotes is
the modulo operator and is kept; quoted regions (literals, identifiers,
dollar-quoted bodies) are copied untouched, ``%`` included.
"""

from __future__ import annotations

import re
from typing import Any, Sequence, Tuple

from psycopg import sql as _pgsql

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def quote_literal(value: Any) -> str:
    """``value`` as a SQL literal (``'it''s'``, ``NULL``, ``true``, ``'2024-01-01'::date``)."""
    try:
        return _pgsql.quote(value)
    except Exception as exc:  # psycopg.ProgrammingError: no dumper for that type
        raise TypeError(f"cannot write {type(value).__name__} {value!r} as a literal in DDL: {exc}") from None


def inline_literals(text: str, params: Sequence[Any]) -> str:
    """Replace each ``%s`` placeholder outside quotes with the quoted value, in order."""
    params = tuple(params or ())
    if not params:
        return text
    out: list[str] = []
    used = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in ("'", '"'):
            end = _quoted_end(text, i, c)
            out.append(text[i:end])
            i = end
        elif c == "$" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            match = _DOLLAR_TAG.match(text, i)
            if match:
                end = text.find(match.group(0), match.end())
                end = n if end < 0 else end + len(match.group(0))
                out.append(text[i:end])
                i = end
            else:
                out.append(c)
                i += 1
        elif c == "%" and i + 1 < n and text[i + 1] == "%":
            out.append("%%")
            i += 2
        elif c == "%" and i + 1 < n and text[i + 1] == "s":
            if used >= len(params):
                raise ValueError(f"DDL text has more placeholders than its {len(params)} parameter(s)")
            out.append(quote_literal(params[used]))
            used += 1
            i += 2
        else:
            out.append(c)
            i += 1
    if used != len(params):
        raise ValueError(f"DDL text used {used} of its {len(params)} parameter(s)")
    return "".join(out)


def inlined(result: Tuple[str, Sequence[Any]]) -> Tuple[str, tuple]:
    """``(sql, params)`` -> ``(sql with values inlined, ())``."""
    text, params = result
    return inline_literals(text, params), ()


def _quoted_end(text: str, start: int, quote: str) -> int:
    i = start + 1
    n = len(text)
    backslash = quote == "'" and start > 0 and text[start - 1] in "eE"
    while i < n:
        c = text[i]
        if backslash and c == "\\":
            i += 2
            continue
        if c == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n
