"""``get_supported_introspection_scopes()`` names only what the introspector serves.

The core's default answers ``[]`` while every table/column/index/... ``supports_*``
says True. The dialect lists the scopes; each one listed is used here on the server
and must find the object created for it.
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.introspection.types import IntrospectionScope

from .conftest import run_all, wait

pytestmark = pytest.mark.asyncio


async def test_every_declared_scope_is_served(backend, schema):
    await run_all(backend, f"""
        CREATE TABLE {schema}.parent (id int PRIMARY KEY);
        CREATE TABLE {schema}.child (id int PRIMARY KEY, parent_id int REFERENCES {schema}.parent (id));
        CREATE INDEX child_parent ON {schema}.child (parent_id);
        CREATE VIEW {schema}.v AS SELECT id FROM {schema}.child;
        CREATE SEQUENCE {schema}.s;
        CREATE FUNCTION {schema}.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER t BEFORE INSERT ON {schema}.child FOR EACH ROW EXECUTE PROCEDURE {schema}.trg()
    """)
    intro = backend.introspector
    checks = {
        IntrospectionScope.DATABASE: lambda: intro.get_database_info(),
        IntrospectionScope.SCHEMA: lambda: intro.list_schemas(),
        IntrospectionScope.TABLE: lambda: intro.list_tables(schema),
        IntrospectionScope.COLUMN: lambda: intro.list_columns("child", schema),
        IntrospectionScope.INDEX: lambda: intro.list_indexes("child", schema),
        IntrospectionScope.FOREIGN_KEY: lambda: intro.list_foreign_keys("child", schema),
        IntrospectionScope.VIEW: lambda: intro.list_views(schema),
        IntrospectionScope.TRIGGER: lambda: intro.list_triggers("child", schema),
        IntrospectionScope.SEQUENCE: lambda: intro.list_sequences(schema),
    }
    declared = backend.dialect.get_supported_introspection_scopes()
    assert declared, "the dialect declares no introspection scope although its supports_* say True"
    assert set(declared) <= set(checks), f"a scope this test does not know: {set(declared) - set(checks)}"
    assert set(declared) == set(IntrospectionScope), "every core scope is served by this introspector"
    for scope in declared:
        found = await wait(checks[scope]())
        assert found, f"{scope} is declared but the introspector found nothing"
    names = {s.name for s in await wait(intro.list_schemas())}
    assert schema in names
    assert [seq.name for seq in await wait(intro.list_sequences(schema))] == ["s"]
    assert [t.name for t in await wait(intro.list_triggers("child", schema))] == ["t"]
