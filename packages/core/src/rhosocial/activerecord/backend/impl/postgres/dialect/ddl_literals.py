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

from ..sql_text import split_sql

# "%%" (an escaped percent, the modulo operator) is kept whole; "%s" is a placeholder.
_PLACEHOLDER = re.compile(r"(%%|%s)")


def quote_literal(value: Any) -> str:
    """``value`` as a SQL literal (``'it''s'``, ``NULL``, ``true``, ``'2024-01-01'::date``)."""
    try:
        return _pgsql.quote(value)
    except Exception as exc:  # psycopg.ProgrammingError: no dumper for that type
        raise TypeError(f"cannot write {type(value).__name__} {value!r} as a literal in DDL: {exc}") from None


def inline_literals(text: str, params: Sequence[Any]) -> str:
    """Replace each ``%s`` placeholder in code (not in literals, identifiers,
    dollar-quoted bodies or comments) with the quoted value, in order."""
    params = tuple(params or ())
    if not params:
        return text
    out: list[str] = []
    used = 0
    for segment, is_code in split_sql(text):
        if not is_code:
            out.append(segment)
            continue
        for piece in _PLACEHOLDER.split(segment):
            if piece == "%s":
                if used >= len(params):
                    raise ValueError(f"DDL text has more placeholders than its {len(params)} parameter(s)")
                out.append(quote_literal(params[used]))
                used += 1
            else:
                out.append(piece)
    if used != len(params):
        raise ValueError(f"DDL text used {used} of its {len(params)} parameter(s)")
    return "".join(out)


def inlined(result: Tuple[str, Sequence[Any]]) -> Tuple[str, tuple]:
    """``(sql, params)`` -> ``(sql with values inlined, ())``."""
    text, params = result
    return inline_literals(text, params), ()
