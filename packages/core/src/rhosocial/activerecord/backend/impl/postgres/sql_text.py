"""Make SQL text safe for psycopg's ``%s`` placeholders.

psycopg treats every ``%`` in a query that has parameters as the start of a
placeholder, so ``a % b`` (modulo) or ``LIKE 'ab%'`` written next to ``%s``
parameters fails ("only '%s', '%b', '%t' are allowed as placeholders").
Users write raw SQL in the core's ``?`` convention and cannot be expected to
know that. The rule applied here, once per distinct SQL text (cached):

* inside string literals, quoted identifiers, dollar-quoted bodies and
  comments, every ``%`` is literal and is doubled;
* outside them, ``%s``/``%b``/``%t`` (and ``%(name)s``) are placeholders and
  ``%%`` is an already-escaped percent: both are kept;
* any other ``%`` outside them is the modulo operator, and is doubled.

The statement is then always sent with a parameter sequence (possibly empty),
so psycopg turns every ``%%`` back into ``%`` consistently, with or without
parameters.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["escape_percent"]

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_NAMED_PLACEHOLDER = re.compile(r"%\([^)]+\)[sbt]")


@lru_cache(maxsize=4096)
def escape_percent(sql: str) -> str:
    """Return ``sql`` with every literal ``%`` doubled (see module docstring)."""
    if "%" not in sql:
        return sql
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'" or c == '"':
            end = _quoted_end(sql, i, c)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "$" and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            match = _DOLLAR_TAG.match(sql, i)
            if match:
                tag = match.group(0)
                end = sql.find(tag, match.end())
                end = n if end < 0 else end + len(tag)
                out.append(sql[i:end].replace("%", "%%"))
                i = end
            else:
                out.append(c)
                i += 1
        elif c == "%":
            nxt = sql[i + 1] if i + 1 < n else ""
            if nxt in ("s", "b", "t", "%"):
                out.append(sql[i : i + 2])
                i += 2
            else:
                named = _NAMED_PLACEHOLDER.match(sql, i)
                if named:
                    out.append(named.group(0))
                    i = named.end()
                else:
                    out.append("%%")
                    i += 1
        else:
            # copy a run of ordinary characters at once
            j = i + 1
            while j < n and sql[j] not in "'\"-/$%":
                j += 1
            out.append(sql[i:j])
            i = j
    return "".join(out)


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """Index just past the literal/identifier starting at ``start`` ('' and "" escape)."""
    i = start + 1
    n = len(sql)
    # E'...' strings use backslash escapes
    backslash = quote == "'" and start > 0 and sql[start - 1] in "eE"
    while i < n:
        c = sql[i]
        if backslash and c == "\\":
            i += 2
            continue
        if c == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n
