"""``sql_text``: the one SQL lexer (percent escaping, DDL literals, CLI statement split,
trigger WHEN reader, replica routing). An ``E``/``e`` before a quote makes a backslash-escape
string only when it starts a token: in ``ELSE'x'``, ``LIKE'x'`` or ``date'x'`` it ends a
word, and the literal is a plain one, where a backslash is an ordinary character."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.impl.postgres.sql_text import escape_percent, split_sql


def literals(sql):
    return [text for text, is_code in split_sql(sql) if not is_code]


@pytest.mark.parametrize("sql, expected", [
    # a keyword or type name ending in e touches a plain literal ending in a backslash
    ("SELECT CASE WHEN x THEN 'a' ELSE'C:\\' END, 'z'", ["'a'", "'C:\\'", "'z'"]),
    ("SELECT 1 WHERE p LIKE'C:\\' OR q = 'z'", ["'C:\\'", "'z'"]),
    ("SELECT date'x\\', 'z'", ["'x\\'", "'z'"]),
    ("SELECT _e'x\\', 'z'", ["'x\\'", "'z'"]),
    ("SELECT a$e'x\\', 'z'", ["'x\\'", "'z'"]),
    ("SELECT \u20ace'x\\', 'z'", ["'x\\'", "'z'"]),  # any non-ASCII character continues a name
    # a standalone E or e: backslash escapes, \' does not end the literal
    ("SELECT e'it\\'s', 'z'", ["'it\\'s'", "'z'"]),
    ("SELECT E'it\\'s', 'z'", ["'it\\'s'", "'z'"]),
    ("E'it\\'s', 'z'", ["'it\\'s'", "'z'"]),
    ("SELECT (E'a\\'b'), 'z'", ["'a\\'b'", "'z'"]),
    ("SELECT \"c\"E'a\\'b'", ['"c"', "'a\\'b'"]),
    # U&'...': a plain literal as far as the lexer goes (\' is no escape there)
    ("SELECT U&'d\\0061t\\', 'z'", ["'d\\0061t\\'", "'z'"]),
])
def test_e_strings_only_when_the_e_starts_a_token(sql, expected):
    assert literals(sql) == expected


@pytest.mark.parametrize("sql, expected", [
    ("SELECT CASE WHEN %s THEN 'a' ELSE'C:\\' END AS p, %s AS q",
     "SELECT CASE WHEN %s THEN 'a' ELSE'C:\\' END AS p, %s AS q"),
    ("SELECT %s WHERE p LIKE'50%\\' AND 7 % 2 = 1", "SELECT %s WHERE p LIKE'50%%\\' AND 7 %% 2 = 1"),
    ("SELECT E'50%\\'', %s, 5 % 2", "SELECT E'50%%\\'', %s, 5 %% 2"),
    ("SELECT e'a\\'%s', %s", "SELECT e'a\\'%%s', %s"),
])
def test_placeholders_around_plain_and_e_strings(sql, expected):
    assert escape_percent(sql) == expected
