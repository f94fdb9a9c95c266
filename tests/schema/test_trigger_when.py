"""A trigger's WHEN condition read back exactly, whatever its literals and arguments hold.

The old greedy pattern ran to the LAST ") EXECUTE FUNCTION" of pg_get_triggerdef's
text, so a function argument (or a literal in the condition) holding that text gave a
wrong ``condition`` (failed before the fix).
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.impl.postgres.introspection.trigger_text import trigger_condition

from .conftest import major, run_all, wait


def test_condition_scan_unit():
    base = 'CREATE TRIGGER t BEFORE INSERT ON s.t FOR EACH ROW '
    cases = {
        base + "EXECUTE FUNCTION f()": None,
        base + "EXECUTE FUNCTION f('WHEN (x) EXECUTE FUNCTION g')": None,
        base + "WHEN (new.a > 0) EXECUTE FUNCTION f()": "new.a > 0",
        base + "WHEN ((new.a) = 'a)b''c') EXECUTE FUNCTION f('d) EXECUTE FUNCTION e', 'x')": "(new.a) = 'a)b''c'",
        base + "WHEN (new.a = E'\\\\') EXECUTE FUNCTION f(')')": "new.a = E'\\\\'",
        base + "WHEN (new.a = E'\\')' OR e'x') EXECUTE FUNCTION f(')')": "new.a = E'\\')' OR e'x'",
        base + "WHEN (new.\"we)ird\" IS NULL) EXECUTE FUNCTION f()": 'new."we)ird" IS NULL',
        'CREATE TRIGGER "x WHEN (y)" AFTER UPDATE OF "c(" ON t FOR EACH ROW WHEN (true) EXECUTE FUNCTION f()':
            "true",
        "": None,
    }
    for text, condition in cases.items():
        assert trigger_condition(text) == condition, text


@pytest.mark.asyncio
async def test_condition_with_execute_function_in_literal_and_argument(backend, schema):
    execute = "FUNCTION" if major(backend) >= 11 else "PROCEDURE"  # EXECUTE FUNCTION: 11+
    await run_all(backend, f"""
        CREATE TABLE {schema}.t (id int, v text);
        CREATE FUNCTION {schema}.trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
        CREATE TRIGGER "Trg 1" BEFORE INSERT OR UPDATE OF v ON {schema}.t FOR EACH ROW
            WHEN (NEW.v IS NOT NULL AND NEW.v <> ') EXECUTE {execute} x')
            EXECUTE {execute} {schema}.trg('a) EXECUTE {execute} b', 'c');
        CREATE TRIGGER "WHEN (" AFTER DELETE ON {schema}.t FOR EACH ROW
            EXECUTE {execute} {schema}.trg('WHEN (1) x');
        CREATE TRIGGER plain AFTER DELETE ON {schema}.t FOR EACH STATEMENT EXECUTE {execute} {schema}.trg()
    """)
    triggers = {t.name: t for t in await wait(backend.introspector.list_triggers("t", schema))}
    assert triggers["Trg 1"].condition == f"new.v IS NOT NULL AND new.v <> ') EXECUTE {execute} x'::text"
    assert triggers["WHEN ("].condition is None
    assert triggers["plain"].condition is None
