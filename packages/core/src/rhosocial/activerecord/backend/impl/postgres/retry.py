"""Retrying whole transactions after serialization failures and deadlocks: the pure part.

PostgreSQL aborts a transaction with SQLSTATE 40001 (serialization failure, under
REPEATABLE READ / SERIALIZABLE) or 40P01 (deadlock victim). The documented remedy is to run
the *whole* transaction again. Nothing else is retried: a constraint violation fails again,
and a lost connection may have committed (the COMMIT might have run before the connection
dropped), so re-running it could apply the work twice.

Nor is an ``AfterCommitHookError``: the COMMIT went through, so running the transaction again
would apply its work twice, whatever the handler's error was.

This module holds the decisions and the backoff arithmetic only; the loops that do I/O are
``aio/retry.py`` (hand-written) and ``sync/retry.py`` (generated from it), exposed as
``retry_transaction(fn, backend, attempts=5, backoff=...)``.
"""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass
from typing import Callable, Optional, Union

from rhosocial.activerecord.backend.errors import DeadlockError, TransactionError

from .config import ConfigurationError
from .errors import AfterCommitHookError, SerializationError, with_diagnostics

__all__ = ["Backoff", "BackoffSpec", "RETRYABLE_SQLSTATES", "is_retryable_error", "delay_for",
           "check_attempts", "check_backoff", "check_not_in_transaction"]

#: 40001 serialization_failure, 40P01 deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: ``min(cap, base * factor ** (attempt - 1))``, then a
    random share of ``jitter`` of it is taken off (0 = fixed delays, 1 = "full jitter").

    Jitter matters: two transactions that conflicted once and wait the same time will
    likely conflict again.
    """

    base: float = 0.02
    factor: float = 2.0
    cap: float = 1.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        for name in ("base", "factor", "cap"):
            _seconds(getattr(self, name), f"Backoff.{name}")
        if not _is_number(self.jitter) or not 0 <= self.jitter <= 1:
            raise ConfigurationError(f"Backoff.jitter: must be between 0 and 1, got {self.jitter!r}")

    def delay(self, attempt: int, rng: Optional[random.Random] = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.cap, self.base * (self.factor ** max(0, attempt - 1)))
        if self.jitter:
            raw -= raw * self.jitter * (rng or random).random()
        return max(0.0, raw)


#: What ``backoff=`` accepts: a Backoff, a number of seconds (constant), or attempt -> seconds.
BackoffSpec = Union[Backoff, float, int, Callable[[int], float], None]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _seconds(value: object, what: str) -> float:
    """``value`` as a delay: a finite number >= 0 (negative or NaN delays are refused the same
    way in both flavours: time.sleep() would raise, asyncio.sleep() treat them as 0)."""
    if not _is_number(value) or not math.isfinite(value) or value < 0:  # type: ignore[arg-type,operator]
        raise ConfigurationError(f"{what}: must be a finite, non-negative number of seconds, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def check_backoff(backoff: BackoffSpec) -> BackoffSpec:
    """Refuse a bad ``backoff=`` before the first attempt (a callable's results are checked
    when it is called)."""
    if backoff is None or isinstance(backoff, Backoff) or (callable(backoff) and not _is_number(backoff)):
        return backoff
    if _is_number(backoff):
        _seconds(backoff, "retry_transaction.backoff")
        return backoff
    raise ConfigurationError(f"retry_transaction.backoff: expected Backoff, seconds or a callable, got {backoff!r}")


def delay_for(backoff: BackoffSpec, attempt: int) -> float:
    if backoff is None:
        return Backoff().delay(attempt)
    if isinstance(backoff, Backoff):
        return backoff.delay(attempt)
    if _is_number(backoff):
        return _seconds(backoff, "retry_transaction.backoff")
    if callable(backoff):
        return _seconds(backoff(attempt), f"retry_transaction.backoff({attempt})")
    raise ConfigurationError(f"retry_transaction.backoff: expected Backoff, seconds or a callable, got {backoff!r}")


def check_attempts(attempts: int) -> int:
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ConfigurationError(f"retry_transaction.attempts: must be an integer >= 1, got {attempts!r}")
    return attempts


def check_not_in_transaction(backend) -> None:
    """A retry must own the whole transaction: 40001/40P01 abort the outer one too, so re-running
    an inner block (a savepoint) cannot help."""
    if backend.in_transaction:
        raise with_diagnostics(TransactionError(
            "retry_transaction() must start outside a transaction: a serialization "
            "failure or deadlock aborts the whole outer transaction"))


def is_retryable_error(exc: BaseException) -> bool:
    """True if ``exc`` (or an error it was raised from) is a serialization failure or a deadlock.
    Only those are retried. (A failed COMMIT raises the SerializationError itself; the chain is
    still walked for errors wrapped by other code, e.g. a plain TransactionError around one.)"""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 10:
        if isinstance(current, AfterCommitHookError):  # committed: never run it again
            return False
        if isinstance(current, (SerializationError, DeadlockError)):
            return True
        if getattr(current, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        current = current.__cause__
        seen += 1
    return False
