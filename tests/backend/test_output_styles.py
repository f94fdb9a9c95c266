"""DateStyle and IntervalStyle: psycopg's text loaders parse timestamptz only in DateStyle ISO
and interval only in IntervalStyle postgres. In the configuration another style is refused
(every such result would fail); set at run time, the failure is a DataError that says which
setting to change, not a bare NotImplementedError from inside psycopg."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.impl.postgres import ConfigurationError, PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.errors import DataError

from .conftest import DQL


@pytest.mark.parametrize("settings", [{"DateStyle": "SQL, DMY"}, {"datestyle": "German"},
                                      {"IntervalStyle": "iso_8601"}, {"intervalstyle": "sql_standard"},
                                      {"IntervalStyle": "postgres_verbose"}, {"DateStyle": "SQL, ISO_x"}])
def test_unparseable_output_style_is_refused_in_config(settings):
    with pytest.raises(ConfigurationError, match="output style"):
        PostgresConnectionConfig(host="localhost", server_settings=settings)


@pytest.mark.parametrize("datestyle", ["ISO, DMY", "DMY, ISO", "iso", " ISO,MDY "])
def test_parseable_output_styles_are_accepted(datestyle):
    config = PostgresConnectionConfig(host="localhost",
                                      server_settings={"DateStyle": datestyle, "IntervalStyle": "postgres"})
    assert config.server_settings["DateStyle"] == datestyle


@pytest.mark.asyncio
@pytest.mark.parametrize("setting, query", [
    ("DateStyle = 'SQL, DMY'", "SELECT now() AS v"),
    ("IntervalStyle = iso_8601", "SELECT interval '1 day 2 hours' AS v"),
])
async def test_style_set_at_run_time_gives_a_clear_data_error(db, setting, query):
    await db.execute(f"SET {setting}")
    with pytest.raises(DataError, match="SET them back") as caught:
        await db.execute(query, options=DQL)
    assert isinstance(caught.value.__cause__, NotImplementedError)
    await db.execute("RESET DateStyle")
    await db.execute("RESET IntervalStyle")
    assert (await db.execute(query, options=DQL)).data[0]["v"] is not None
