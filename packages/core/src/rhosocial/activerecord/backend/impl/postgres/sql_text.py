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

``standard_conforming_strings``: with it ``on`` (PostgreSQL's default since 9.1, and
the only value ``server_settings`` accepts) a backslash is an ordinary character in
``'...'``; with it ``off`` it escapes the next character there, as in ``E'...'``, so
``'it\\'s'`` is one literal. A session may still turn it off at run time (``SET``, or a
role/database default): ``session_backslash_quotes(connection)`` reads the value the server
reported for the session (psycopg keeps it; no round trip), and every function here
takes ``backslash_quotes=True`` to lex such a session's text. Only a text containing a
backslash can be read differently, so callers check ``"\\" in sql`` first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, List, Tuple

__all__ = ["escape_percent", "split_sql", "split_statements", "session_backslash_quotes"]

# A tag follows identifier rules: letters, "_", digits after the first character, and any
# non-ASCII character (PostgreSQL's lexer takes every byte >= 0x80 as a letter).
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\U0010FFFF][A-Za-z0-9_\x80-\U0010FFFF]*)?\$")
_NAMED_PLACEHOLDER = re.compile(r"%\([^)]+\)[sbt]")


# Like psycopg's own query cache: long generated statements (a 65535-parameter
# INSERT is ~260 KB) are escaped every time rather than kept in memory.
MAX_CACHED_LENGTH = 4096


def session_backslash_quotes(connection: Any) -> bool:
    """Whether ``connection``'s session has ``standard_conforming_strings`` off (a backslash
    escapes in ``'...'``), as the server last reported it: no round trip (~0.1 µs)."""
    return connection.pgconn.parameter_status(b"standard_conforming_strings") == b"off"


def escape_percent(sql: str, backslash_quotes: bool = False) -> str:
    """Return ``sql`` with every literal ``%`` doubled (see module docstring)."""
    if "%" not in sql:
        return sql
    if len(sql) > MAX_CACHED_LENGTH:
        return _escape(sql, backslash_quotes)
    return _escape_cached(sql, backslash_quotes)


def split_sql(sql: str, backslash_quotes: bool = False) -> Iterator[Tuple[str, bool]]:
    """Cut ``sql`` into ``(text, is_code)`` segments: string literals, quoted
    identifiers, dollar-quoted bodies and comments are not code. One lexer for
    every rewrite of SQL text (percent escaping here, DDL literal inlining).
    ``backslash_quotes``: the session has standard_conforming_strings off."""
    i, n = 0, len(sql)
    code_start = 0
    while i < n:
        c = sql[i]
        end = -1
        if c == "'" or c == '"':
            end = _quoted_end(sql, i, c, backslash_quotes)
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
        elif c == "/" and sql.startswith("/*", i):
            end = _comment_end(sql, i)
        elif c == "$" and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            match = _DOLLAR_TAG.match(sql, i)
            if match:
                tag = match.group(0)
                end = sql.find(tag, match.end())
                end = n if end < 0 else end + len(tag)
        if end < 0:
            i += 1
            continue
        if code_start < i:
            yield sql[code_start:i], True
        yield sql[i:end], False
        i = code_start = end
    if code_start < n:
        yield sql[code_start:], True


def _escape(sql: str, backslash_quotes: bool = False) -> str:
    out: list[str] = []
    for text, is_code in split_sql(sql, backslash_quotes):
        if not is_code:
            out.append(text.replace("%", "%%"))
            continue
        i, n = 0, len(text)
        while i < n:
            j = text.find("%", i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            nxt = text[j + 1] if j + 1 < n else ""
            if nxt in ("s", "b", "t", "%"):
                out.append(text[j : j + 2])
                i = j + 2
                continue
            named = _NAMED_PLACEHOLDER.match(text, j)
            if named:
                out.append(named.group(0))
                i = named.end()
            else:
                out.append("%%")  # the modulo operator
                i = j + 1
    return "".join(out)


_escape_cached = lru_cache(maxsize=1024)(_escape)


def _comment_end(sql: str, start: int) -> int:
    """Index just past the block comment starting at ``start``: PostgreSQL nests them
    (``/* a /* b */ c */`` is one comment)."""
    depth, i, n = 1, start + 2, len(sql)
    while i < n and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _identifier_char(c: str) -> bool:
    """A character that continues an unquoted identifier or keyword in PostgreSQL
    (letters, digits, ``_``, ``$``, and any non-ASCII character)."""
    return c.isalnum() or c == "_" or c == "$" or c > "\x7f"


def _quoted_end(sql: str, start: int, quote: str, backslash_quotes: bool = False) -> int:
    """Index just past the literal/identifier starting at ``start`` ('' and "" escape)."""
    i = start + 1
    n = len(sql)
    # E'...' strings use backslash escapes; the E must start a token: in ELSE'x', LIKE'x',
    # date'x' it ends a word, and the string is a plain one. With standard_conforming_strings
    # off, every '...' does (U&'...' is then an error on the server: its reading is moot).
    backslash = quote == "'" and (backslash_quotes or start > 0 and sql[start - 1] in "eE" and (
        start < 2 or not _identifier_char(sql[start - 2])))
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


_STATEMENT_TOKEN = re.compile(r"(?P<word>[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*)|(?P<semi>;)|\S")


def split_statements(text: str, backslash_quotes: bool = False) -> List[str]:
    """The statements of ``text`` (stripped, without their ``;``), empty ones dropped.

    Used to refuse more than one statement where only the first one's result would be
    seen (the CLI's ``query``, ``explain_sql``). Semicolons in literals, identifiers,
    dollar quotes and comments are not separators (``split_sql``), nor are those of the
    ``BEGIN ATOMIC ... END`` body of a SQL-standard function (with ``CASE ... END`` inside).
    """
    statements: List[str] = []
    start = offset = 0
    code = False  # whether the current statement has more than white space and comments
    previous_word = ""
    atomic_depth = 0  # inside BEGIN ATOMIC ... END, counting CASE ... END too
    for segment, is_code in split_sql(text, backslash_quotes):
        if not is_code:
            code = code or not segment.startswith(("--", "/*"))
        else:
            for token in _STATEMENT_TOKEN.finditer(segment):
                if token.lastgroup == "semi" and not atomic_depth:
                    if code:
                        statements.append(text[start:offset + token.start()].strip())
                    start, code = offset + token.end(), False
                    continue
                code = True
                word = token.group("word")
                if word:
                    upper = word.upper()
                    if previous_word == "BEGIN" and upper == "ATOMIC":
                        atomic_depth += 1
                    elif atomic_depth and upper == "CASE":
                        atomic_depth += 1
                    elif atomic_depth and upper == "END":
                        atomic_depth -= 1
                    previous_word = upper
        offset += len(segment)
    if code:
        statements.append(text[start:].strip())
    return statements
