"""Counting the statements of a SQL text, so that ``query`` can refuse more than one.

Without parameters psycopg sends the text with the simple query protocol: the server
runs every statement but only the first result reaches the backend, so a second
``SELECT`` would be silently lost. What can hide a semicolon (quoted strings, ``E''``
strings, quoted identifiers, dollar quotes, comments) is the project's one SQL lexer,
``sql_text.split_sql``; this module adds the ``BEGIN ATOMIC ... END`` bodies of
SQL-standard functions (with ``CASE ... END`` inside), whose semicolons are code.
"""

from __future__ import annotations

import re
from typing import List

from ..sql_text import split_sql

_TOKEN = re.compile(r"(?P<word>[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*)|(?P<semi>;)|\S")


def split_statements(text: str) -> List[str]:
    """The statements of ``text`` (stripped, without their ``;``), empty ones dropped."""
    statements: List[str] = []
    start = offset = 0
    code = False  # whether the current statement has more than white space and comments
    previous_word = ""
    atomic_depth = 0  # inside BEGIN ATOMIC ... END, counting CASE ... END too
    for segment, is_code in split_sql(text):
        if not is_code:
            code = code or not segment.startswith(("--", "/*"))
        else:
            for token in _TOKEN.finditer(segment):
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
