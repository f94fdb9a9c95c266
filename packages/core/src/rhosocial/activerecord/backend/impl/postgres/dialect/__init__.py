"""PostgreSQL dialect: ``from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect``."""

from .base import PostgresDialect
from .json import parse_json_path

__all__ = ["PostgresDialect", "parse_json_path"]
