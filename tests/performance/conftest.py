"""Fixtures of tests/backend (both flavours through one coroutine test body), reused here."""

from tests.backend.conftest import admin, backend_factory, db, flavour, table  # noqa: F401
