"""Optional read-replica routing: plain reads outside transactions go to a standby.

Opt in with ``read_replica_host`` (and ``read_replica_port``) in the config. The
replica is a second backend of the same class with the same settings, pointed at
the standby (``target_session_attrs=standby`` unless set). What is routed there:
statements executed as DQL (model queries, ``fetch_one``/``fetch_all``) when no
transaction is open in this task/thread and the statement takes no row locks.
Everything else (writes, DDL, anything inside a transaction, ``FOR UPDATE`` /
``FOR SHARE``) stays on the primary, so a transaction always reads its own writes.
Reads on the standby may lag behind the primary by the replication delay.
"""

from __future__ import annotations

from typing import Any

from ..replica import routes_to_replica

__all__ = ["AsyncReplicaMixin"]


class AsyncReplicaMixin:
    _read_replica: Any = None

    def _replica_backend(self) -> Any:
        config = self.config  # type: ignore[attr-defined]
        if config.read_replica_host is None:
            return None
        if self._read_replica is None:
            replica_config = config.replica_config()
            backend_class: Any = type(self)  # the concrete backend (this is a mixin)
            self._read_replica = backend_class(connection_config=replica_config,
                                               logging_config=self._logging_config)  # type: ignore[attr-defined]
            self._read_replica._dialect = self._dialect  # type: ignore[attr-defined]  # same major
            # the same registered types (enums, composites, ...) on the replica's connections
            self._read_replica._registered_types = self._registered_types  # type: ignore[attr-defined]
        return self._read_replica

    def _replica_for(self, sql: str, options: Any) -> Any:
        """The replica backend if this statement should run there (called by execute)."""
        replica = self._replica_backend()
        if replica is not None and routes_to_replica(sql, options, self._in_any_transaction()):
            return replica
        return None

    def _in_any_transaction(self) -> bool:
        if self.config.pooled:  # type: ignore[attr-defined]
            return self.in_transaction or self._pinned_connection() is not None  # type: ignore[attr-defined]
        return self._holds_transaction()  # type: ignore[attr-defined]

    async def disconnect(self) -> None:
        replica, self._read_replica = self._read_replica, None
        if replica is not None:
            await replica.disconnect()
        await super().disconnect()  # type: ignore[misc]
