"""How DDL reads the names it is given: one rule per kind of name, shared by every statement.

* **Object names** (tables, indexes, views, sequences, types, domains, partitions,
  a trigger's or policy's table, a foreign key's target): a ``str`` is ONE
  identifier, exactly like the core's ``CreateTableExpression`` / ``DropTableExpression``
  read it: a dot or a double quote is part of the name (``"sch.tbl"`` ->
  ``"sch.tbl"``, ``'we"ird'`` -> ``"we""ird"``). A schema-qualified name is given
  explicitly: a core ``TableExpression(d, "tbl", schema_name="sch")`` (what
  CreateTable / DropTable take too) or a tuple ``("sch", "tbl")``. Reading the same
  string two ways (CREATE TABLE one table, TRUNCATE another) is what this prevents.
* **Paths** (``OWNED BY table.column``, ``COMMENT ON COLUMN table.column``,
  ``SET CONSTRAINTS schema.name``, a trigger function ``schema.fn``): the text is
  dotted by nature, so it is split on dots; a part containing a dot or a quote is
  written double-quoted with ``""`` for a quote (``'"a.b".c'``), or the path is
  given as a tuple. Anything else with a ``"`` in it is refused.
* **Catalog names** (a COLLATE collation, an index operator class): one identifier
  (``"C.utf8"``, ``"en_US.utf8"`` are libc collation names, not schema.name);
  schema-qualified as a tuple ``("pg_catalog", "C")`` or as already-quoted text
  ``'"pg_catalog"."C"'`` (every part quoted).

Malformed input raises ``ValueError`` before any SQL exists, never a different name.
"""

from __future__ import annotations

from typing import Any, List, Sequence


def quote_identifier(name: str) -> str:
    """``"name"`` with ``"`` doubled: the core's format_identifier, minus the empty name
    (PostgreSQL refuses ``""``: "zero-length delimited identifier")."""
    if not isinstance(name, str):
        raise TypeError(f"an identifier is a str, got {type(name).__name__}")
    if not name:
        raise ValueError("empty identifier")
    if "\x00" in name:
        raise ValueError(f"identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def _join(parts: Sequence[Any], what: str) -> str:
    if not parts or len(parts) > 3:
        raise ValueError(f"{what} needs 1 to 3 name parts, got {list(parts)!r}")
    return ".".join(quote_identifier(p) for p in parts)


def object_name(name: Any) -> str:
    """An object name: str = one identifier; TableExpression / tuple = schema-qualified."""
    from rhosocial.activerecord.backend.expression.core import TableExpression

    if isinstance(name, str):
        return quote_identifier(name)
    if isinstance(name, TableExpression):
        if getattr(name, "alias", None):
            raise ValueError(f"a DDL object name takes no alias, got {name.alias!r}")
        schema = getattr(name, "schema_name", None)
        return _join([schema, name.name] if schema else [name.name], "an object name")
    if isinstance(name, (tuple, list)):
        return _join(name, "an object name")
    raise TypeError(f"an object name is a str, TableExpression or tuple of str, got {type(name).__name__}")


def split_path(text: str) -> List[str]:
    """Split ``a.b`` / ``"a.b"."c""d"`` strictly: each part is bare (no quote) or wholly quoted."""
    parts: List[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            buf: List[str] = []
            i += 1
            while True:
                if i >= n:
                    raise ValueError(f"unbalanced double quote in name {text!r}")
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            part = "".join(buf)
        else:
            end = text.find(".", i)
            end = n if end < 0 else end
            part = text[i:end]
            if '"' in part:
                raise ValueError(f"stray double quote in name {text!r}: quote the whole part, doubling "
                                 'inner quotes ("we""ird"), or pass the parts as a tuple')
            i = end
        if not part:
            raise ValueError(f"empty name part in {text!r}")
        parts.append(part)
        if i == n:
            return parts
        if text[i] != ".":
            raise ValueError(f"unexpected {text[i]!r} after a quoted part in name {text!r}")
        i += 1


def path_name(path: Any) -> str:
    """A dotted path (``table.column``, ``schema.constraint``), or a tuple of its parts."""
    if isinstance(path, (tuple, list)):
        return _join(path, "a path")
    if not isinstance(path, str):
        raise TypeError(f"a dotted name is a str or tuple of str, got {type(path).__name__}")
    return _join(split_path(path), "a path")


def catalog_name(name: Any) -> str:
    """A collation / operator class: one identifier, unless a tuple or already-quoted text."""
    if isinstance(name, (tuple, list)):
        return _join(name, "a collation or operator class")
    if isinstance(name, str) and name.startswith('"'):
        return _join(split_path(name) if _all_quoted(name) else _refuse(name), "a collation or operator class")
    return quote_identifier(name)


def _all_quoted(text: str) -> bool:
    # Already-quoted text must be quoted in every part, so '"s".c' is not half-read.
    parts = split_path(text)
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts) == text


def _refuse(text: str) -> List[str]:
    raise ValueError(f"name {text!r} starts with a double quote, so every part must be double-quoted "
                     '(\'"schema"."name"\'); pass an unquoted str for a single name')


# PostgreSQL's operator-name rules (CREATE OPERATOR, "Lexical Structure"): only these
# characters, at most NAMEDATALEN-1 = 63 of them, never "--" or "/*" (they start a
# comment, so the rest of the text would be read as something else), and a name of
# two or more characters may end in + or - only if it also holds one of ~!@#%^&|`?
# (otherwise "a*-1" could not be lexed). Anything else is not an operator and would
# be SQL text of its own, so it is refused rather than written into the statement.
_OP_CHARS = frozenset("+-*/<>=~!@#%^&|`?")
_OP_SPECIAL = frozenset("~!@#%^&|`?")
_OP_MAX = 63


def _check_operator_symbol(op: str, original: str) -> str:
    if not op or len(op) > _OP_MAX or any(ch not in _OP_CHARS for ch in op):
        raise ValueError(f"invalid operator {original!r}: an operator is 1 to {_OP_MAX} of the characters "
                         "+ - * / < > = ~ ! @ # % ^ & | ` ? (or OPERATOR(schema.op))")
    if "--" in op or "/*" in op:
        raise ValueError(f"invalid operator {original!r}: '--' and '/*' start a comment")
    if len(op) > 1 and op[-1] in "+-" and not any(ch in _OP_SPECIAL for ch in op):
        raise ValueError(f"invalid operator {original!r}: it may end in + or - only if it also contains "
                         "one of ~ ! @ # % ^ & | ` ?")
    return op


def _bare_or_quoted_identifier(text: str, original: str) -> str:
    """The schema part of OPERATOR(schema.op), written back exactly as given when valid."""
    if text.startswith('"'):
        parts = split_path(text)
        if len(parts) != 1 or not _all_quoted(text) or "\x00" in parts[0]:
            raise ValueError(f"invalid schema in operator {original!r}")
        return text
    # Unquoted: PostgreSQL's identifier start and body characters (ASCII subset).
    if not text or not (text[0].isascii() and (text[0].isalpha() or text[0] == "_")) or not all(
            ch.isascii() and (ch.isalnum() or ch in "_$") for ch in text):
        raise ValueError(f"invalid schema in operator {original!r}: quote it ('OPERATOR(\"my schema\".op)')")
    return text


def operator_name(op: Any) -> str:
    """A caller-given operator (``&&``, ``=``, ``OPERATOR(myschema.===)``) checked against
    PostgreSQL's rules and returned as SQL text, ``%`` doubled (the backend's convention
    for a literal percent outside quotes, see ``sql_text``). Raises ``ValueError``."""
    if not isinstance(op, str):
        raise ValueError(f"an operator is a str, got {type(op).__name__}")
    # No stripping: a newline or other whitespace around a bare operator is refused,
    # not silently dropped (only OPERATOR(...) may hold spaces, inside its parentheses).
    text = op
    if text[:8].upper() == "OPERATOR":
        inner = text[8:].lstrip(" ")
        if not (inner.startswith("(") and inner.endswith(")")):
            raise ValueError(f"invalid operator {op!r}: expected OPERATOR(schema.op)")
        inner = inner[1:-1].strip(" ")
        # The operator is what follows the last dot (an operator name has no dot).
        schema, dot, symbol = inner.rpartition(".")
        symbol = _check_operator_symbol(symbol.strip(" "), op)
        head = f"{_bare_or_quoted_identifier(schema.strip(' '), op)}." if dot else ""
        return f"OPERATOR({head}{symbol})".replace("%", "%%")
    return _check_operator_symbol(text, op).replace("%", "%%")
