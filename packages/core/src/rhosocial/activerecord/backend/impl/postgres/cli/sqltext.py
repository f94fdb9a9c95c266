"""Counting the statements of a SQL text, so that ``query`` can refuse more than one.

Without parameters psycopg sends the text with the simple query protocol: the server
runs every statement but only the first result reaches the backend, so a second
``SELECT`` would be silently lost. This is a scanner, not a parser: it knows what can
hide a semicolon (quoted strings, ``E''`` strings with backslash escapes, quoted
identifiers, dollar quotes, ``--`` and nested ``/* */`` comments, and the
``BEGIN ATOMIC ... END`` bodies of SQL-standard functions, with ``CASE ... END``
inside), as psql's own scanner does.
"""

from __future__ import annotations

import re
from typing import List

_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$")
_WORD = re.compile(r"[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*")


def split_statements(text: str) -> List[str]:
    """The statements of ``text`` (stripped, without their ``;``), empty ones dropped."""
    statements: List[str] = []
    start = i = 0
    n = len(text)
    previous_word = ""
    code = False  # whether the current statement has more than white space and comments
    atomic_depth = 0  # inside BEGIN ATOMIC ... END, counting CASE ... END too
    while i < n:
        ch = text[i]
        if ch == "'" or (ch in "eE" and text[i + 1:i + 2] == "'" and not _in_word(text, i)):
            escapes, code = ch != "'", True
            i += 2 if escapes else 1
            while i < n:
                if escapes and text[i] == "\\":
                    i += 2
                    continue
                if text[i] == "'":
                    if text[i + 1:i + 2] == "'":
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            continue
        if ch == '"':
            code = True
            end = text.find('"', i + 1)
            while end != -1 and text[end + 1:end + 2] == '"':
                end = text.find('"', end + 2)
            i = n if end == -1 else end + 1
            continue
        if ch == "-" and text[i + 1:i + 2] == "-":
            end = text.find("\n", i)
            i = n if end == -1 else end + 1
            continue
        if ch == "/" and text[i + 1:i + 2] == "*":
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        if ch == "$" and not _in_word(text, i):
            match = _DOLLAR.match(text, i)
            if match:
                code = True
                end = text.find(match.group(0), match.end())
                i = n if end == -1 else end + len(match.group(0))
                continue
        word = _WORD.match(text, i) if not _in_word(text, i) else None
        if word:
            upper, code = word.group(0).upper(), True
            if previous_word == "BEGIN" and upper == "ATOMIC":
                atomic_depth += 1
            elif atomic_depth and upper == "CASE":
                atomic_depth += 1
            elif atomic_depth and upper == "END":
                atomic_depth -= 1
            previous_word = upper
            i = word.end()
            continue
        if ch == ";" and not atomic_depth:
            if code:
                statements.append(text[start:i].strip())
            start, code = i + 1, False
        elif not ch.isspace():
            code = True
        i += 1
    if code:
        statements.append(text[start:].strip())
    return statements


def _in_word(text: str, i: int) -> bool:
    """Whether position ``i`` continues an identifier (``a$b``, ``x1e'...``-like cases)."""
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_$")

