"""Reading the WHEN condition out of ``pg_get_triggerdef`` text (no I/O)."""

from __future__ import annotations

from typing import Optional

__all__ = ["trigger_condition"]


def _skip_quoted(text: str, i: int) -> int:
    """Index just past the quoted region starting at ``text[i]`` ('...', E'...', "...")."""
    quote = text[i]
    backslash = quote == "'" and i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum()
                                                                                  or text[i - 2] == "_"))
    i += 1
    while i < len(text):
        ch = text[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < len(text) and text[i + 1] == quote:  # '' or "" inside
                i += 2
                continue
            return i + 1
        i += 1
    return i


def trigger_condition(definition: str) -> Optional[str]:
    """The WHEN condition of ``pg_get_triggerdef`` output, or None.

    pg_trigger.tgqual cannot be read with pg_get_expr (its NEW/OLD variables belong
    to two relations: "expression contains variables of more than one relation"), so
    the definition is scanned: string literals and quoted identifiers are skipped,
    so a trigger name, a literal in the condition or a function argument holding
    ") EXECUTE FUNCTION" or "WHEN (" is never read as structure. The first
    top-level ``WHEN (`` opens the condition ("when" as a name is always quoted);
    the condition ends at its balancing parenthesis.
    """
    text = definition or ""
    i, n, start = 0, len(text), -1
    while i < n:
        ch = text[i]
        if ch in "'\"":
            i = _skip_quoted(text, i)
            continue
        if ch == "(":  # the first parenthesis outside quotes: WHEN's, or the function's arguments
            if text[max(0, i - 6):i] == " WHEN ":
                start = i
            break
        i += 1
    if start < 0:
        return None
    depth, i = 0, start
    while i < n:
        ch = text[i]
        if ch in "'\"":
            i = _skip_quoted(text, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1
    return None  # unbalanced: not pg_get_triggerdef output
