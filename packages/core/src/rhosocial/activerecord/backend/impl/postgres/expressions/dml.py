"""PostgreSQL DML the core's expression classes cannot carry.

* ``MergeReturningExpression``: the core's ``MergeExpression`` plus ``RETURNING``
  (PostgreSQL 17+, with ``merge_action()``). The core's class has no such field,
  so without this one ``supports_merge_returning()`` would declare something no
  expression could produce::

      MergeReturningExpression(d, "t", TableExpression(d, "s"), on, when_matched=[...],
                               returning=[FunctionCall(d, "MERGE_ACTION"), Column(d, "id", "t")])
      -> MERGE INTO "t" USING "s" ON ... WHEN MATCHED THEN ... RETURNING MERGE_ACTION(), "t"."id"

  The dialect refuses it before 17 (``merge_returning``), like MERGE itself before 15.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

from rhosocial.activerecord.backend.expression.statements import MergeExpression, ReturningClause

__all__ = ["MergeReturningExpression"]


class MergeReturningExpression(MergeExpression):
    """``MERGE ... RETURNING``: ``returning`` is a ``ReturningClause`` or its expressions."""

    def __init__(self, dialect: Any, *args: Any,
                 returning: Union[ReturningClause, Sequence[Any]], **kwargs: Any) -> None:
        super().__init__(dialect, *args, **kwargs)
        if not isinstance(returning, ReturningClause):
            expressions = list(returning)
            if not expressions:
                raise ValueError("MERGE ... RETURNING needs at least one expression")
            returning = ReturningClause(dialect, expressions)
        self.returning = returning
