"""Counting the statements of a SQL text, so that ``query`` can refuse more than one.

Without parameters psycopg sends the text with the simple query protocol: the server
runs every statement but only the first result reaches the backend, so a second
``SELECT`` would be silently lost. The splitter lives with the project's one SQL lexer
(``sql_text.split_statements``): ``explain_sql`` refuses several statements with it too.
"""

from __future__ import annotations

from ..sql_text import split_statements

__all__ = ["split_statements"]
