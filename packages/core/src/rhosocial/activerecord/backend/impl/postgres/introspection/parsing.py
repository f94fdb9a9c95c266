"""Catalogue rows -> introspection results (pure functions, no I/O)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rhosocial.activerecord.backend.introspection.types import (
    ColumnInfo,
    ColumnNullable,
    DatabaseInfo,
    ForeignKeyInfo,
    IndexColumnInfo,
    IndexInfo,
    IndexType,
    ReferentialAction,
    TableInfo,
    TableType,
    TriggerInfo,
    ViewInfo,
)

from .trigger_text import trigger_condition
from .types import (
    ConstraintInfo,
    ConstraintType,
    DatabaseEntry,
    EnumTypeInfo,
    ExtensionInfo,
    PartitionInfo,
    PartitioningInfo,
    SchemaInfo,
    SequenceInfo,
)

Row = Dict[str, Any]

RELKIND_NAMES = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}
_TABLE_TYPES = {"r": TableType.BASE_TABLE, "p": TableType.BASE_TABLE, "v": TableType.VIEW,
                "m": TableType.VIEW, "f": TableType.EXTERNAL}
_INDEX_TYPES = {"btree": IndexType.BTREE, "hash": IndexType.HASH, "gin": IndexType.GIN, "gist": IndexType.GIST}
_ACTIONS = {"a": ReferentialAction.NO_ACTION, "r": ReferentialAction.RESTRICT, "c": ReferentialAction.CASCADE,
            "n": ReferentialAction.SET_NULL, "d": ReferentialAction.SET_DEFAULT}
_CONSTRAINT_TYPES = {"p": ConstraintType.PRIMARY_KEY, "u": ConstraintType.UNIQUE, "c": ConstraintType.CHECK,
                     "x": ConstraintType.EXCLUDE, "f": ConstraintType.FOREIGN_KEY}
_STRATEGIES = {"r": "RANGE", "l": "LIST", "h": "HASH"}
_TRIGGER_STATUS = {"O": "ENABLED", "D": "DISABLED", "R": "ENABLED REPLICA", "A": "ENABLED ALWAYS"}
_IDENTITY = {"a": "ALWAYS", "d": "BY DEFAULT"}
_GENERATED = {"s": "STORED", "v": "VIRTUAL"}


def version_tuple(version_num: int) -> Tuple[int, int, int]:
    if version_num >= 100000:
        return (version_num // 10000, version_num % 10000, 0)
    return (version_num // 10000, (version_num // 100) % 100, version_num % 100)


def parse_database_info(rows: List[Row]) -> DatabaseInfo:
    row = rows[0]
    return DatabaseInfo(
        name=row["name"],
        version=row["version"],
        version_tuple=version_tuple(int(row["version_num"])),
        vendor="PostgreSQL",
        encoding=row["encoding"],
        collation=row["collation"],
        timezone=row["timezone"],
        size_bytes=row["size_bytes"],
        table_count=row["table_count"],
        extra={"ctype": row["ctype"], "current_schema": row["current_schema"],
               "current_user": row["current_user"], "version_text": row["version_text"],
               "version_num": int(row["version_num"])},
    )


def parse_databases(rows: List[Row]) -> List[DatabaseEntry]:
    return [DatabaseEntry(**row) for row in rows]


def parse_schemas(rows: List[Row]) -> List[SchemaInfo]:
    return [SchemaInfo(**row) for row in rows]


def _row_estimate(value: Optional[int]) -> Optional[int]:
    # reltuples is -1 (14+) or 0 (older) for a table never vacuumed/analyzed: unknown.
    return None if value is None or value < 0 else int(value)


def parse_tables(rows: List[Row]) -> List[TableInfo]:
    result = []
    for row in rows:
        kind = row["relkind"]
        table_type = TableType.TEMPORARY if row["persistence"] == "t" else _TABLE_TYPES.get(kind, TableType.BASE_TABLE)
        if row["is_system"]:
            table_type = TableType.SYSTEM_TABLE
        result.append(TableInfo(
            name=row["name"],
            schema=row["schema"],
            table_type=table_type,
            comment=row["comment"],
            row_count=_row_estimate(row["row_estimate"]),
            size_bytes=row["size_bytes"],
            extra={
                "relkind": kind,
                "kind": RELKIND_NAMES.get(kind, kind),
                "owner": row["owner"],
                "unlogged": row["persistence"] == "u",
                "is_partition": bool(row["is_partition"]),
                "partition_of": row["partition_of"],
                "is_partitioned": kind == "p",
                "row_count_is_estimate": True,
            },
        ))
    return result


def _typmod_details(udt: Optional[str], typmod: Optional[int]) -> Dict[str, Optional[int]]:
    """Length, precision and scale encoded in a type modifier (atttypmod)."""
    details: Dict[str, Optional[int]] = {}
    if typmod is None or typmod < 0 or udt is None:
        if udt in ("int2", "int4", "int8"):
            details["numeric_precision"] = {"int2": 16, "int4": 32, "int8": 64}[udt]
            details["numeric_scale"] = 0
        return details
    if udt in ("varchar", "bpchar"):
        details["character_maximum_length"] = typmod - 4
    elif udt in ("bit", "varbit"):
        details["character_maximum_length"] = typmod
    elif udt == "numeric":
        details["numeric_precision"] = ((typmod - 4) >> 16) & 0xFFFF
        # The scale is a signed 11-bit field since PostgreSQL 15 (numeric(5,-2) is
        # legal): numeric.c's NUMERIC_TYPMOD_SCALE. Older servers only store 0..1000,
        # which this reads identically; a 16-bit mask turns -2 into 2046.
        details["numeric_scale"] = (((typmod - 4) & 0x7FF) ^ 1024) - 1024
    elif udt in ("timestamp", "timestamptz", "time", "timetz"):
        details["datetime_precision"] = typmod
    elif udt == "interval":
        details["datetime_precision"] = typmod & 0xFFFF if (typmod & 0xFFFF) != 0xFFFF else None
    return details


def parse_columns(rows: List[Row], table_name: str, schema: Optional[str]) -> List[ColumnInfo]:
    result = []
    for row in rows:
        identity = _IDENTITY.get(row["identity"] or "")
        generated = _GENERATED.get(row["generated"] or "")
        default = row["default_expr"]
        serial = default is not None and default.startswith("nextval(")
        details = _typmod_details(row["base_udt_name"], row["typmod"])
        is_array = row["type_category"] == "A"
        result.append(ColumnInfo(
            name=row["name"],
            table_name=row["table_name"] or table_name,
            schema=row["schema"] or schema,
            ordinal_position=row["ordinal_position"],
            data_type=row["data_type"],
            data_type_full=row["data_type_full"],
            nullable=ColumnNullable.NULLABLE if row["is_nullable"] else ColumnNullable.NOT_NULL,
            default_value=None if generated else default,
            is_primary_key=bool(row["is_primary_key"]),
            is_unique=bool(row["is_unique"]),
            is_auto_increment=bool(identity) or serial,
            is_generated=generated is not None,
            generated_expression=default if generated else None,
            comment=row["comment"],
            collation=row["collation"],
            character_maximum_length=None if is_array else details.get("character_maximum_length"),
            numeric_precision=None if is_array else details.get("numeric_precision"),
            numeric_scale=None if is_array else details.get("numeric_scale"),
            datetime_precision=None if is_array else details.get("datetime_precision"),
            extra={
                "udt_name": row["udt_name"],
                "type_kind": {"b": "base", "e": "enum", "d": "domain", "c": "composite", "r": "range",
                              "m": "multirange", "p": "pseudo"}.get(row["type_kind"], row["type_kind"]),
                "is_array": is_array,
                "identity": identity,  # "ALWAYS" / "BY DEFAULT" / None
                "generated": generated,  # "STORED" / "VIRTUAL" (18) / None
                "serial": serial and not identity,
                "sequence": row["sequence"],
            },
        ))
    return result


def parse_indexes(rows: List[Row], table_name: str, schema: Optional[str]) -> List[IndexInfo]:
    result = []
    for row in rows:
        keys = row["key_count"]
        options = list(row["column_options"] or [])
        columns, included, expressions = [], [], []
        for position, definition in enumerate(row["column_defs"], start=1):
            if position > keys:
                included.append(definition)
                continue
            option = options[position - 1] if position - 1 < len(options) else 0
            if row["column_numbers"][position - 1] == 0:
                expressions.append(definition)
            columns.append(IndexColumnInfo(
                name=definition,
                ordinal_position=position,
                is_descending=bool(option & 1),
                is_nulls_first=bool(option & 2),
            ))
        extra = {
            "method": row["method"],
            "definition": row["definition"],
            "include_columns": included,
            "expressions": expressions,
            "is_valid": row["is_valid"],
            "constraint": row["constraint_name"],
            "constraint_type": _CONSTRAINT_TYPES[row["constraint_type"]].value if row["constraint_type"] else None,
        }
        if row["nulls_not_distinct"] is not None:
            extra["nulls_not_distinct"] = row["nulls_not_distinct"]
        result.append(IndexInfo(
            name=row["name"],
            table_name=row["table_name"] or table_name,
            schema=row["schema"] or schema,
            is_unique=row["is_unique"],
            is_primary=row["is_primary"],
            index_type=_INDEX_TYPES.get(row["method"], IndexType.UNKNOWN),
            columns=columns,
            filter_condition=row["predicate"],
            comment=row["comment"],
            size_bytes=row["size_bytes"],
            extra=extra,
        ))
    return result


def parse_foreign_keys(rows: List[Row], table_name: str, schema: Optional[str]) -> List[ForeignKeyInfo]:
    return [
        ForeignKeyInfo(
            name=row["name"],
            table_name=row["table_name"] or table_name,
            schema=row["schema"] or schema,
            columns=list(row["columns"]),
            referenced_table=row["referenced_table"],
            referenced_schema=row["referenced_schema"],
            referenced_columns=list(row["referenced_columns"]),
            on_update=_ACTIONS.get(row["on_update"], ReferentialAction.NO_ACTION),
            on_delete=_ACTIONS.get(row["on_delete"], ReferentialAction.NO_ACTION),
            deferrable=row["deferrable"],
            deferred=row["deferred"],
            extra={"match": {"f": "FULL", "p": "PARTIAL", "s": "SIMPLE"}.get(row["match_type"], row["match_type"]),
                   "validated": row["validated"], "definition": row["definition"]},
        )
        for row in rows
    ]


def parse_constraints(rows: List[Row]) -> List[ConstraintInfo]:
    return [
        ConstraintInfo(
            name=row["name"],
            table_name=row["table_name"],
            schema=row["schema"],
            type=_CONSTRAINT_TYPES[row["type"]],
            columns=list(row["columns"] or []),
            definition=row["definition"],
            expression=row["expression"],
            index_name=row["index_name"],
            deferrable=row["deferrable"],
            deferred=row["deferred"],
            validated=row["validated"],
            no_inherit=row["no_inherit"],
            enforced=row["enforced"],
            comment=row["comment"],
        )
        for row in rows
    ]


def _view(row: Row) -> ViewInfo:
    materialized = row["relkind"] == "m"
    return ViewInfo(
        name=row["name"],
        schema=row["schema"],
        definition=row["definition"],
        is_updatable=row["is_updatable"],
        is_insertable=row["is_insertable"],
        check_option=row["check_option"],
        comment=row["comment"],
        extra={"materialized": materialized, "owner": row["owner"],
               "is_populated": row["is_populated"] if materialized else None,
               "size_bytes": row["size_bytes"]},
    )


def parse_views(rows: List[Row]) -> List[ViewInfo]:
    return [_view(row) for row in rows]


def parse_view_info(rows: List[Row]) -> Optional[ViewInfo]:
    return _view(rows[0]) if rows else None


def parse_triggers(rows: List[Row]) -> List[TriggerInfo]:
    result = []
    for row in rows:
        tgtype = row["tgtype"]
        timing = "INSTEAD OF" if tgtype & 64 else ("BEFORE" if tgtype & 2 else "AFTER")
        events = [name for bit, name in ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE"), (32, "TRUNCATE"))
                  if tgtype & bit]
        result.append(TriggerInfo(
            name=row["name"],
            table_name=row["table_name"],
            schema=row["schema"],
            timing=timing,
            events=events,
            level="ROW" if tgtype & 1 else "STATEMENT",
            condition=trigger_condition(row["definition"]),
            definition=row["definition"],
            status=_TRIGGER_STATUS.get(row["enabled"], row["enabled"]),
            extra={"function": row["function"], "is_constraint_trigger": row["is_constraint_trigger"],
                   "deferrable": row["deferrable"], "deferred": row["deferred"], "comment": row["comment"]},
        ))
    return result


def parse_sequences(rows: List[Row]) -> List[SequenceInfo]:
    result = []
    for row in rows:
        owner = None
        if row["owned_by_table"]:
            owner = f"{row['owned_by_schema']}.{row['owned_by_table']}"
            if row["owned_by_column"]:
                owner += f".{row['owned_by_column']}"
        result.append(SequenceInfo(
            name=row["name"], schema=row["schema"], data_type=row["data_type"],
            start_value=row["start_value"], increment=row["increment"],
            min_value=row["min_value"], max_value=row["max_value"], cache_size=row["cache_size"],
            cycle=row["cycle"], last_value=row["last_value"], owned_by=owner,
            is_identity=row["dependency"] == "i", comment=row["comment"],
        ))
    return result


def parse_enum_types(rows: List[Row]) -> List[EnumTypeInfo]:
    return [EnumTypeInfo(name=r["name"], schema=r["schema"], labels=list(r["labels"]), owner=r["owner"],
                         comment=r["comment"]) for r in rows]


def parse_partitioning(key_rows: List[Row], partition_rows: List[Row]) -> Optional[PartitioningInfo]:
    if not key_rows:
        return None
    key = key_rows[0]
    strategy: str = key["strategy"]
    return PartitioningInfo(
        table_name=key["name"],
        schema=key["schema"],
        strategy=_STRATEGIES.get(strategy, strategy),
        key=key["key"],
        partitions=[
            PartitionInfo(
                name=r["name"], schema=r["schema"], parent=f"{r['parent_schema']}.{r['parent']}",
                level=r["level"], bound=r["bound"], is_default=(r["bound"] or "").upper() == "DEFAULT",
                is_partitioned=r["is_partitioned"], key=r["key"], row_estimate=_row_estimate(r["row_estimate"]),
            )
            for r in partition_rows
        ],
    )


def parse_extensions(installed: List[Row], available: Optional[List[Row]]) -> List[ExtensionInfo]:
    """Merge installed extensions (``pg_extension``) with the available ones, when known."""
    by_name: Dict[str, ExtensionInfo] = {}
    for row in installed:
        by_name[row["name"]] = ExtensionInfo(name=row["name"], installed_version=row["version"],
                                             schema=row["schema"], relocatable=row["relocatable"],
                                             comment=row["comment"])
    for row in available or ():
        info = by_name.get(row["name"])
        if info is None:
            by_name[row["name"]] = ExtensionInfo(name=row["name"], default_version=row["default_version"],
                                                 comment=row["comment"])
        else:
            info.default_version = row["default_version"]
            info.comment = info.comment or row["comment"]
    return sorted(by_name.values(), key=lambda e: e.name)
