"""SQLAlchemy 2 declarative models of the benchmark tables."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import DateTime, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class _Cols:
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    score: Mapped[int]
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    meta: Mapped[Optional[dict]] = mapped_column(JSONB, nullable=True)


class Read(_Cols, Base):
    __tablename__ = "bench_read"


class Write(_Cols, Base):
    __tablename__ = "bench_write"
