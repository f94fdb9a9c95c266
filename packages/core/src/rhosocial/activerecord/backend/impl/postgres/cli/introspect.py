"""``introspect``: what the database holds, as a table or ``--json``.

Objects: ``tables`` (default), ``table NAME`` (columns, indexes, constraints,
foreign keys, triggers, partitions of one table), ``columns NAME``,
``indexes NAME``, ``constraints NAME``, ``foreign-keys NAME``,
``triggers [NAME]``, ``partitions NAME``, ``views``, ``matviews``,
``sequences``, ``enums``, ``extensions``, ``schemas``, ``databases``,
``database``. ``--schema`` picks a schema (default: the current one; ``*``
for every user schema); ``NAME`` may be written ``schema.table``, and quoted as in
SQL for mixed case, spaces or dots: ``'"Rev S"."MixedCase"'`` (unquoted names are
taken as written, not folded to lower case). A table that does not exist is an
error (exit code 1), also for ``triggers NAME``. Index columns show ``DESC`` and
``NULLS FIRST`` / ``NULLS LAST`` where they differ from the default.
"""

from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional, Tuple

from ..introspection.types import to_jsonable
from .common import (
    EXIT_ERROR,
    EXIT_USAGE,
    CliError,
    Session,
    add_output_flags,
    add_subparser,
    print_json,
    print_table,
    report_errors,
)

NEEDS_TABLE = ("table", "columns", "indexes", "constraints", "foreign-keys", "partitions")
OBJECTS = ("tables", "views", "matviews", "sequences", "enums", "extensions", "schemas", "databases",
           "database", "triggers") + NEEDS_TABLE


def add_parser(sub: Any) -> None:
    parser = add_subparser(sub, "introspect", "tables, columns, indexes, ... as a table or --json",
                           description=__doc__)
    parser.add_argument("object", nargs="?", default="tables", choices=OBJECTS, metavar="OBJECT",
                        help=f"what to list: {', '.join(OBJECTS)} (default: tables)")
    parser.add_argument("name", nargs="?", help="table name for table, columns, indexes, ...")
    parser.add_argument("-n", "--schema", help="schema (default: current schema; '*' = all user schemas)")
    parser.add_argument("--system", action="store_true", help="include system schemas and objects")
    parser.add_argument("--available", action="store_true", help="extensions: also those not installed")
    add_output_flags(parser)
    parser.set_defaults(func=run)


def _split_name(name: str, schema: Optional[str]) -> Tuple[str, Optional[str]]:
    """``NAME`` -> (table, schema): ``schema.table``, with SQL's double quotes where needed.

    ``-n`` wins over an unquoted dotted name that does not start with it, so a table
    literally called ``a.b`` can still be given as ``-n s a.b``.
    """
    parts = _identifier_parts(name)
    if parts is None or len(parts) > 2:
        return name, schema
    if len(parts) == 1:
        return parts[0], schema
    if schema is None or schema == parts[0] or name.startswith('"'):
        return parts[1], parts[0]
    return name, schema


def _identifier_parts(text: str) -> Optional[List[str]]:
    """``a.b`` / ``"A b"."C"`` / ``"x""y"`` -> the parts, ``None`` if the quoting is broken."""
    parts: List[str] = []
    i, n = 0, len(text)
    while True:
        if text[i:i + 1] == '"':
            part, i = [], i + 1
            while i < n:
                if text[i] == '"':
                    if text[i + 1:i + 2] != '"':
                        break
                    i += 1  # "" is a quote inside the name
                part.append(text[i])
                i += 1
            if i >= n:
                return None
            parts.append("".join(part))
            i += 1
        else:
            end = text.find(".", i)
            end = n if end == -1 else end
            if '"' in text[i:end] or end == i:
                return None
            parts.append(text[i:end])
            i = end
        if i == n:
            return parts
        if text[i] != ".":
            return None
        i += 1


def _not_found(name: str, schema: Optional[str]) -> CliError:
    where = f" in schema {schema!r}" if schema else ""
    return CliError(f"table {name!r} not found{where} (names are exact: quote as in SQL, e.g. "
                    f"'\"My Schema\".\"MyTable\"', or give -n SCHEMA NAME)", EXIT_ERROR)


def _dicts(items: List[Any], columns: List[str]) -> List[Dict[str, Any]]:
    rows = []
    for item in items:
        data = to_jsonable(item)
        extra = data.get("extra", {}) if isinstance(data, dict) else {}
        row = {c: data.get(c, extra.get(c)) for c in columns}
        if "nullable" in row:
            row["nullable"] = {"NULLABLE": True, "NOT_NULL": False}.get(row["nullable"])
        rows.append(row)
    return rows


COLUMNS = {
    "tables": ["schema", "name", "kind", "row_count", "size_bytes", "comment"],
    "columns": ["ordinal_position", "name", "data_type_full", "nullable", "default_value", "identity",
                "generated", "is_primary_key", "comment"],
    "indexes": ["name", "method", "is_unique", "is_primary", "columns", "filter_condition", "include_columns"],
    "constraints": ["name", "type", "columns", "definition", "deferrable", "validated"],
    "foreign-keys": ["name", "columns", "referenced_table", "referenced_columns", "on_update", "on_delete",
                     "deferrable"],
    "triggers": ["schema", "table_name", "name", "timing", "events", "level", "status", "function"],
    "views": ["schema", "name", "is_updatable", "check_option", "comment"],
    "matviews": ["schema", "name", "is_populated", "size_bytes", "comment"],
    "sequences": ["schema", "name", "data_type", "start_value", "increment", "last_value", "owned_by",
                  "is_identity"],
    "enums": ["schema", "name", "labels"],
    "extensions": ["name", "installed_version", "default_version", "schema", "comment"],
    "schemas": ["name", "owner", "comment"],
    "databases": ["name", "owner", "encoding", "collation", "size_bytes", "is_template", "comment"],
    "partitions": ["level", "schema", "name", "parent", "bound", "is_partitioned", "key"],
}


def _index_rows(indexes: List[Any]) -> List[Dict[str, Any]]:
    rows = _dicts(indexes, COLUMNS["indexes"])
    for row, index in zip(rows, indexes, strict=True):
        row["columns"] = [_index_column(c) for c in index.columns]
    return rows


def _index_column(column: Any) -> str:
    """``name [DESC] [NULLS FIRST|LAST]``, the NULLS part only where it is not the default.

    The default is NULLS LAST for ASC and NULLS FIRST for DESC (as pg_get_indexdef shows).
    """
    text = column.name + (" DESC" if column.is_descending else "")
    nulls_first = getattr(column, "is_nulls_first", None)
    if nulls_first is not None and nulls_first != bool(column.is_descending):
        text += " NULLS FIRST" if nulls_first else " NULLS LAST"
    return text


def _target(what: str, name: Optional[str], schema: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """(table, schema) from the arguments, checked before connecting: an empty schema
    (``-n ''`` or ``'"".t'``) or table name is a usage error, not a catalogue question."""
    if what in NEEDS_TABLE and not name:
        raise CliError(f"introspect {what} needs a table name", EXIT_USAGE)
    if name is not None:
        if what not in NEEDS_TABLE and what != "triggers":
            raise CliError(f"introspect {what} takes no NAME (got {name!r}); use -n SCHEMA", EXIT_USAGE)
        name, schema = _split_name(name, schema)
        if not name:
            raise CliError("the table name is empty", EXIT_USAGE)
    if schema == "":
        raise CliError("the schema name is empty (omit -n for the current schema; '*' = every user schema)",
                       EXIT_USAGE)
    return name, schema


def _exists(session: Session, name: str, schema: Optional[str]) -> bool:
    return bool(session.run(session.backend.introspector.table_exists(name, schema)))


def _fetch(session: Session, what: str, name: Optional[str], schema: Optional[str], args: argparse.Namespace) -> Any:
    intro = session.backend.introspector
    run = session.run
    if what in NEEDS_TABLE:
        assert name is not None  # _target checked it
        if what == "table":
            info = run(intro.describe_table(name, schema))
            if info is None:
                raise _not_found(name, schema)
            return info
        if what == "partitions":
            info = run(intro.get_partitioning(name, schema))
            if info is None:
                if not _exists(session, name, schema):
                    raise _not_found(name, schema)
                raise CliError(f"{name!r} is not a partitioned table", EXIT_ERROR)
            return info
        method = {"columns": intro.list_columns, "indexes": intro.list_indexes,
                  "constraints": intro.list_constraints, "foreign-keys": intro.list_foreign_keys}[what]
        result = run(method(name, schema))
        # nothing to list is an empty list, a missing table an error (a table may have no columns)
        if not result and not _exists(session, name, schema):
            raise _not_found(name, schema)
        return result
    if what == "triggers":
        if not name:
            return run(intro.list_triggers(None, schema))
        result = run(intro.list_triggers(name, schema))
        if not result and not _exists(session, name, schema):
            raise _not_found(name, schema)
        return result
    if what == "tables":
        return run(intro.list_tables(schema, include_system=args.system))
    if what == "views":
        return run(intro.list_views(schema, include_system=args.system))
    if what == "matviews":
        return run(intro.list_materialized_views(schema, include_system=args.system))
    if what == "sequences":
        return run(intro.list_sequences(schema, include_system=args.system))
    if what == "enums":
        return run(intro.list_enum_types(schema, include_system=args.system))
    if what == "extensions":
        return run(intro.list_extensions(include_available=args.available))
    if what == "schemas":
        return run(intro.list_schemas(include_system=args.system))
    if what == "databases":
        return run(intro.list_databases(include_templates=args.system))
    return run(intro.get_database_info())


@report_errors
def run(args: argparse.Namespace) -> int:
    name, schema = _target(args.object, args.name, args.schema)
    with Session(args) as session:
        result = _fetch(session, args.object, name, schema, args)
    if args.json:
        print_json(result)
        return 0
    what = args.object
    if what == "database":
        for key, value in to_jsonable(result).items():
            if key != "extra":
                print(f"{key}: {value}")
        for key, value in result.extra.items():
            print(f"{key}: {value}")
    elif what == "table":
        _print_table_details(result)
    elif what == "partitions":
        print(f"{result.schema}.{result.table_name}: PARTITION BY {result.key}")
        print_table(_dicts(result.partitions, COLUMNS["partitions"]))
    elif what == "indexes":
        print_table(_index_rows(result))
    else:
        print_table(_dicts(result, COLUMNS[what]))
    return 0


def _print_table_details(info: Any) -> None:
    extra = info.extra
    print(f"{extra.get('kind', 'table')} {info.schema}.{info.name}"
          + (f"  (partition of {extra['partition_of']})" if extra.get("partition_of") else ""))
    if info.comment:
        print(f"comment: {info.comment}")
    print()
    print_table(_dicts(info.columns, COLUMNS["columns"]), title="Columns:")
    print()
    print_table(_index_rows(info.indexes), title="Indexes:")
    print()
    print_table(_dicts(extra.get("constraints", []), COLUMNS["constraints"]), title="Constraints:")
    print()
    print_table(_dicts(info.foreign_keys, COLUMNS["foreign-keys"]), title="Foreign keys:")
    if extra.get("triggers"):
        print()
        print_table(_dicts(extra["triggers"], COLUMNS["triggers"]), title="Triggers:")
    partitioning = extra.get("partitioning")
    if partitioning is not None:
        print()
        print_table(_dicts(partitioning.partitions, COLUMNS["partitions"]),
                    title=f"Partitions (PARTITION BY {partitioning.key}):")


