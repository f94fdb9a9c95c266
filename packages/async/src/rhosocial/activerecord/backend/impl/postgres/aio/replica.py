"""Optional read-replica routing: plain reads outside transactions go to a standby.

Opt in with ``read_replica_host`` (and ``read_replica_port``) in the config. The
replica is a second backend of the same class with the same settings and logger,
pointed at the standby (``target_session_attrs=standby`` unless set). What is routed
there: statements executed as DQL (model queries, ``fetch_one``/``fetch_all``) when no
transaction is open in this task/thread (also one begun with ``execute("BEGIN")``) and
the statement is a plain read: it starts with SELECT/VALUES/TABLE/WITH, writes nothing
(no data-modifying CTE, no ``SELECT ... INTO``), takes no row or advisory lock and calls
no sequence or other primary-only function (``replica.py`` in the core has the rule and
the list). Everything else stays on the primary, so a transaction always reads its own
writes. Reads on the standby may lag behind the primary by the replication delay.

Session state: without a pool, the backend is one session, and ``SET search_path``, a
temporary table, ``PREPARE`` ... change what later reads in that session see. The
standby's sessions see none of it, so once such a statement has run (``changes_session``)
the backend stops routing until ``disconnect()`` (logged once at INFO). With a pool every
statement may run in another session anyway: session state is not kept there.
"""

from __future__ import annotations

from typing import Any

from ..connection_health import in_transaction_block
from ..replica import changes_session, routes_to_replica

__all__ = ["AsyncReplicaMixin"]

class AsyncReplicaMixin:
    _read_replica: Any = None
    # A statement that changes the (non-pooled) session ran: reads stay on the primary.
    _reads_on_primary = False

    def _replica_backend(self) -> Any:
        config = self.config  # type: ignore[attr-defined]
        if config.read_replica_host is None:
            return None
        if self._read_replica is None:
            replica_config = config.replica_config()
            backend_class: Any = type(self)  # the concrete backend (this is a mixin)
            self._read_replica = backend_class(connection_config=replica_config,
                                               logging_config=self._logging_config,  # type: ignore[attr-defined]
                                               logger=self.logger)  # type: ignore[attr-defined]
            self._read_replica._dialect = self._dialect  # type: ignore[attr-defined]  # same major
            # the same registered types (enums, composites, ...) on the replica's connections:
            # the primary's list and infos, applied as they are (a standby has the primary's
            # oids) and never re-read there (backend_base._specs_to_refetch): a standby that
            # has not replayed a new type yet would otherwise unregister it for both
            self._read_replica._registered_types = self._registered_types  # type: ignore[attr-defined]
            self._read_replica._types_from_primary = True
        return self._read_replica

    def _replica_for(self, sql: str, options: Any) -> Any:
        """The replica backend if this statement should run there (called by execute for
        every statement while ``read_replica_host`` is set)."""
        if self._reads_on_primary:
            return None
        if not self.config.pooled and changes_session(sql):  # type: ignore[attr-defined]
            self._reads_on_primary = True
            self.logger.info(  # type: ignore[attr-defined]
                "Read replica routing is off until disconnect(): a statement that changes the "
                "session ran on the primary (SET, RESET, CREATE TEMP, DISCARD, LISTEN, PREPARE, "
                "DECLARE, LOAD or set_config); the standby's sessions would not see its effect")
            return None
        if routes_to_replica(sql, options, self._in_any_transaction()):
            return self._replica_backend()
        return None

    def _in_any_transaction(self) -> bool:
        if self.config.pooled:  # type: ignore[attr-defined]
            return self.in_transaction or self._pinned_connection() is not None  # type: ignore[attr-defined]
        if self._holds_transaction():  # type: ignore[attr-defined]
            return True
        # a transaction begun with execute("BEGIN"), which the manager does not see
        return in_transaction_block(self._connection)  # type: ignore[attr-defined]

    async def _disconnect_replica(self) -> None:
        """Close the replica's session (or pool) and route reads again (called by disconnect)."""
        replica, self._read_replica = self._read_replica, None
        self._reads_on_primary = False
        if replica is not None:
            await replica.disconnect()
