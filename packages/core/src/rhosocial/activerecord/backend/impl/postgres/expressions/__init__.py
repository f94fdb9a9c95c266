"""PostgreSQL-specific expression classes (SQL comes from the dialect's ``format_*``).

``from rhosocial.activerecord.backend.impl.postgres.expressions import CreateEnumTypeExpression``
"""

from .ddl import *  # noqa: F401,F403
from .ddl import __all__ as _ddl_all
from .dml import MergeReturningExpression

__all__ = list(_ddl_all) + ["MergeReturningExpression"]
