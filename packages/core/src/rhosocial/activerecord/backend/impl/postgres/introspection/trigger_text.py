"""Reading the WHEN condition out of ``pg_get_triggerdef`` text (no I/O)."""

from __future__ import annotations

import re
from typing import Optional

from ..sql_text import split_sql

__all__ = ["trigger_condition"]

_PAREN = re.compile(r"[()]")


def trigger_condition(definition: str) -> Optional[str]:
    """The WHEN condition of ``pg_get_triggerdef`` output, or None.

    pg_trigger.tgqual cannot be read with pg_get_expr (its NEW/OLD variables belong
    to two relations: "expression contains variables of more than one relation"), so
    the definition is scanned with the project's SQL lexer (``sql_text.split_sql``):
    string literals and quoted identifiers are skipped,
    so a trigger name, a literal in the condition or a function argument holding
    ") EXECUTE FUNCTION" or "WHEN (" is never read as structure. The first
    top-level ``WHEN (`` opens the condition ("when" as a name is always quoted);
    the condition ends at its balancing parenthesis.
    """
    text = definition or ""
    start, depth, offset = -1, 0, 0
    for segment, is_code in split_sql(text):  # quoted regions are not code
        if is_code:
            for paren in _PAREN.finditer(segment):
                at = offset + paren.start()
                if paren.group() == "(":
                    if start < 0:  # the first parenthesis: WHEN's, or the function's arguments
                        if text[max(0, at - 6):at] != " WHEN ":
                            return None
                        start = at
                    depth += 1
                elif start >= 0:
                    depth -= 1
                    if depth == 0:
                        return text[start + 1:at]
        offset += len(segment)
    return None  # no WHEN, or unbalanced: not pg_get_triggerdef output
