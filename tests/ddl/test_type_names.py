"""Type names written as text reach DDL verbatim (the core's ``CustomType``, a domain's base
type): they are checked against the shapes type names take. ``CustomType("int); DROP TABLE
t; --")`` produced ``CREATE TABLE "t" ("a" int); DROP TABLE t; --)``."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.expression.statements import ColumnDefinition, CreateTableExpression
from rhosocial.activerecord.backend.expression.types import CustomType
from rhosocial.activerecord.backend.impl.postgres.dialect.names import type_name
from rhosocial.activerecord.backend.impl.postgres.expressions import CreateDomainExpression

GOOD = ["int", "int4range", "varchar(20)[]", "double precision", "timestamp(3) with time zone",
        "interval day to second(3)", "character varying(40)", "numeric(10, 2)[][]", 'public."My Type"',
        "bit varying(8)", "time without time zone", "int[3]", "pg_catalog.int4"]
BAD = ["int); DROP TABLE t; --", "int DEFAULT 1", "int CHECK (true)", "int--", "int; x", 'text COLLATE "C"',
       '"a""', "", "int /* x */"]


@pytest.mark.parametrize("text", GOOD)
def test_type_names_accepted(text):
    assert type_name(text) == text


@pytest.mark.parametrize("text", BAD)
def test_anything_more_refused(text):
    with pytest.raises(ValueError, match="invalid data type"):
        type_name(text)


def test_custom_types_and_domains_are_checked_and_run(ddl):
    d = ddl.d
    with pytest.raises(ValueError, match="invalid data type"):
        CreateTableExpression(d, "t", [ColumnDefinition("a", CustomType("int); DROP TABLE t; --"))]).to_sql()
    with pytest.raises(ValueError, match="invalid data type"):
        CreateDomainExpression(d, "dm", "int CHECK (true) DEFAULT (1)").to_sql()
    ddl.run(CreateTableExpression(d, "ct", [ColumnDefinition("a", CustomType("timestamp(3) with time zone")),
                                            ColumnDefinition("b", CustomType("varchar(20)[]"))]))
    ddl.run(CreateDomainExpression(d, "dm", "double precision"))
    assert ddl.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                     "WHERE attrelid = 'ct'::regclass AND attname = 'a'") == "timestamp(3) with time zone"
