"""How DDL reads the names it is given: one rule per kind of name, shared by every statement.

* **Object names** (tables, indexes, views, sequences, types, domains, partitions,
  a trigger's or policy's table, a foreign key's target): given as a bare ``str`` it
  is ONE unqualified identifier, and a ``str`` holding a dot is REFUSED
  (``ValueError``): ``"s1.mood"`` used to mean schema ``s1`` and, read as one
  identifier, would silently create ``public."s1.mood"`` instead, so it is neither
  split nor taken verbatim. A double quote is part of the name (``'we"ird'`` ->
  ``"we""ird"``). Schema-qualified is explicit: a core
  ``TableExpression(d, "tbl", schema_name="sch")`` or a tuple ``("sch", "tbl")``;
  a name that really contains a dot is a 1-tuple ``("sch.tbl",)``.
  (The core's own CreateTable / DropTable keep reading a str as one identifier,
  dot included: they never reach these formatters.)
* **A tuple is always ONE name** (its parts: schema, name); **only a list is several
  names** (TRUNCATE's tables, SET CONSTRAINTS' constraints), each a str, tuple or
  TableExpression. A list where one name is expected is refused, so a list and a
  tuple can never be mistaken for each other.
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

import re
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


def _dotted_refusal(name: str, what: str) -> ValueError:
    try:
        parts = split_path(name)
    except ValueError:
        parts = [p for p in name.split(".") if p]
    schema, last = (parts[0], parts[-1]) if len(parts) > 1 else ("s1", name)
    return ValueError(
        f"{what} {name!r} is a str containing a dot: a str is one identifier, so it is refused rather than "
        f"read either as schema {schema!r} or as an object literally named {name!r}. For schema {schema!r} "
        f"pass {tuple(parts)!r} or TableExpression(d, {last!r}, schema_name={schema!r}); for a name that "
        f"really contains a dot pass a 1-tuple {(name,)!r}")


def _no_list(name: Any, what: str) -> None:
    if isinstance(name, list):
        raise ValueError(f"{what} is one name, got a list {name!r}: a list means several names; a "
                         "schema-qualified name is a tuple ('schema', 'name') or a TableExpression")


def object_name(name: Any, what: str = "an object name") -> str:
    """One object name: a str = one identifier (a dot is refused: see the module doc);
    a TableExpression or a tuple of 1 to 3 parts = that (schema-qualified) name."""
    from rhosocial.activerecord.backend.expression.core import TableExpression

    if isinstance(name, str):
        if "." in name:
            raise _dotted_refusal(name, what)
        return quote_identifier(name)
    if isinstance(name, TableExpression):
        if getattr(name, "alias", None):
            raise ValueError(f"a DDL object name takes no alias, got {name.alias!r}")
        schema = getattr(name, "schema_name", None)
        return _join([schema, name.name] if schema else [name.name], what)
    _no_list(name, what)
    if isinstance(name, tuple):
        return _join(name, what)
    raise TypeError(f"{what} is a str, TableExpression or tuple of str, got {type(name).__name__}")


def object_names(names: Any, what: str = "a list of object names") -> List[str]:
    """Several object names: a list of names (str / tuple / TableExpression), or one name
    (a tuple is ONE schema-qualified name, never two tables)."""
    if not isinstance(names, list):
        return [object_name(names)]
    if not names:
        raise ValueError(f"{what} needs at least one name")
    return [object_name(n, "each name of a list") for n in names]


def unqualified_name(name: Any, what: str) -> str:
    """A name PostgreSQL does not let you schema-qualify (CREATE INDEX's index: it goes
    to its table's schema): a str without a dot, or a 1-tuple for a name with a dot."""
    if isinstance(name, str) and "." not in name:
        return quote_identifier(name)
    if isinstance(name, tuple) and len(name) == 1:
        return quote_identifier(name[0])
    if isinstance(name, str):
        raise ValueError(f"{what} {name!r} is a str containing a dot: it takes no schema (it is created in its "
                         f"table's schema) and a str is one identifier; for a name that really contains a "
                         f"dot pass a 1-tuple {(name,)!r}")
    raise ValueError(f"{what} takes no schema (it is created in its table's schema): pass a str or a "
                     f"1-tuple, got {name!r}")


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


def path_name(path: Any, what: str = "a path") -> str:
    """A dotted path (``table.column``, ``schema.constraint``), or a tuple of its parts."""
    _no_list(path, what)
    if isinstance(path, tuple):
        return _join(path, "a path")
    if not isinstance(path, str):
        raise TypeError(f"a dotted name is a str or tuple of str, got {type(path).__name__}")
    return _join(split_path(path), "a path")


def catalog_name(name: Any) -> str:
    """A collation / operator class: one identifier, unless a tuple or already-quoted text."""
    _no_list(name, "a collation or operator class")
    if isinstance(name, tuple):
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


#: words that may follow a type's first word (double precision, character varying,
#: timestamp(3) with time zone, interval day to second): a closed list, so that a type
#: name cannot carry DEFAULT / CHECK / a second statement into the DDL
_TYPE_WORDS = frozenset({"precision", "varying", "with", "without", "time", "zone", "year", "month", "day",
                         "hour", "minute", "second", "to"})
_TYPE_PART = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"\x00]|"")+")'
_TYPE_NAME = re.compile(
    rf"(?P<name>{_TYPE_PART}(?:\.{_TYPE_PART})?)"          # name or schema.name
    r"(?P<words1>(?:\s+[A-Za-z]+)*)"                      # double precision, bit varying
    r"(?:\s*\(\s*[+-]?\d+(?:\s*,\s*[+-]?\d+)?\s*\))?"   # (typmod)
    r"(?P<words2>(?:\s+[A-Za-z]+)*)"                      # with time zone, day to second
    r"(?:\s*\(\s*\d+\s*\))?"                             # interval day to second(3)
    r"(?:\s*\[\s*\d*\s*\])*"                              # array dimensions
)


def type_name(text: str) -> str:
    """A type written as text (``CustomType("varchar(20)[]")``, a domain's base type):
    checked against the shapes type names take, since it is written into DDL verbatim;
    anything else (``int); DROP TABLE t; --``) raises ValueError."""
    if not isinstance(text, str):
        raise TypeError(f"a type name is a str, got {type(text).__name__}")
    match = _TYPE_NAME.fullmatch(text.strip())
    words = ((match.group("words1") + " " + match.group("words2")).lower().split()) if match else None
    if match is None or not set(words or ()) <= _TYPE_WORDS:
        raise ValueError(f"invalid data type {text!r}: a type name, optionally schema-qualified, with a "
                         "(typmod), a few keywords (with time zone, varying, precision) and [] array marks")
    return text.strip()
