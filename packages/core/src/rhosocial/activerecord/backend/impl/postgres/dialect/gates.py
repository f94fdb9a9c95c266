"""Capability gates: version and extension facts, and the ``supports_*`` answers.

The backend tells the dialect two facts after connecting: the server version
(``dialect.version = (15, 18, 0)``, from ``connection.info.server_version``)
and the database's extensions (``dialect.set_extensions(installed, available)``).
Every ``supports_*`` method listed in :data:`.features.SUPPORTS` is generated
here from that mapping, so its answer is a lookup in the capability table.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError

from .. import capabilities as caps
from ._host import DialectHost
from .features import SUPPORTS


class CapabilityGateMixin(DialectHost):
    """Answers capability questions from :mod:`..capabilities`."""

    _installed_extensions: dict[str, str]
    _available_extensions: set[str] | None

    def _init_gates(self) -> None:
        self._installed_extensions = {}
        # None = never told (e.g. the catalogue query failed): "unknown".
        self._available_extensions = None
        self._build_options: dict[str, bool] = {}
        # has_capability answers, valid for one (version, extensions, build options) state:
        # the core asks e.g. supports_returning_insert() on every save.
        self._capability_answers: dict[str, bool] = {}
        self._answers_version: Any = None

    # -- facts from the backend -------------------------------------------------
    def set_extensions(self, installed: Mapping[str, str], available: Iterable[str] | None = None) -> None:
        """Record the extensions of the connected database.

        ``installed`` maps extension name -> version (pg_extension);
        ``available`` holds names the server could install (pg_available_extensions),
        or None when that catalogue could not be read (PostgreSQL 10 bundles with
        newer control files raise on it): availability is then unknown.
        """
        self._installed_extensions = dict(installed or {})
        self._available_extensions = None if available is None else set(available)
        self._capability_answers = {}

    def set_build_options(self, options: Mapping[str, bool]) -> None:
        """Record compile-time options found by ``capabilities.BUILD_OPTION_PROBES``
        (e.g. ``{"libxml": False}``); options never reported count as present."""
        self._build_options.update({k: bool(v) for k, v in options.items()})
        self._capability_answers = {}

    @property
    def installed_extensions(self) -> dict[str, str]:
        return dict(self._installed_extensions)

    def extension_status(self, name: str) -> str:
        """'installed', 'available', 'missing' or 'unknown' (catalogue unreadable)."""
        if name in self._installed_extensions:
            return "installed"
        if self._available_extensions is None:
            return "unknown"
        return "available" if name in self._available_extensions else "missing"

    def is_extension_installed(self, name: str) -> bool:
        return name in self._installed_extensions

    # -- the gate ------------------------------------------------------------
    def has_capability(self, key: str) -> bool:
        """True when the target server (and database, for extensions) has ``key``.

        A feature older than the minimum supported server is there on every
        server this backend talks to, so it is answered before the version is
        known (a dialect built without a connection can still render ordinary
        SQL); a newer one needs the version and raises the core's
        DialectNotAdaptedException until the backend has set it.
        """
        answers = self._capability_answers
        if self._answers_version is not self._version:  # the version changed (any way it was set)
            answers = self._capability_answers = {}
            self._answers_version = self._version
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = self._compute_capability(key)
        return answer

    def _compute_capability(self, key: str) -> bool:
        cap = caps.get(key)
        if cap.since is None:
            return False
        if cap.since <= caps.MINIMUM_SERVER_VERSION and self._version is None:
            ok = True
        else:
            ok = cap.available_in(self.version)
        if ok and cap.extension:
            ok = cap.extension in self._installed_extensions
        if ok and cap.build_option:
            ok = self._build_options.get(cap.build_option, True)
        return ok

    def require_capability(self, key: str, what: str | None = None, suggestion: str | None = None) -> None:
        """Raise UnsupportedFeatureError unless the server has ``key``: never emit SQL it rejects."""
        if self.has_capability(key):
            return
        cap = caps.get(key)
        if suggestion is None:
            if cap.since is None:
                suggestion = "PostgreSQL has no such feature."
            elif cap.extension and cap.available_in(self._version or (0, 0)):
                suggestion = f"CREATE EXTENSION {cap.extension} in this database first."
            else:
                since = f"{cap.since[0]}.{cap.since[1]}"
                suggestion = f"Needs PostgreSQL {since} or newer (server: {self._version_text()})."
        raise UnsupportedFeatureError(self.name, what or cap.description, suggestion)

    def get_supported_introspection_scopes(self) -> list:
        """The core's ``IntrospectionScope`` members this backend's introspector serves
        (``get_database_info``, ``list_schemas``, ``list_tables``, ``list_columns``,
        ``list_indexes``, ``list_foreign_keys``, ``list_views``, ``list_triggers``,
        ``list_sequences``), each answered by the catalogue row of the table."""
        from rhosocial.activerecord.backend.introspection.types import IntrospectionScope

        if not self.has_capability("introspection"):
            return []
        names = ("DATABASE", "SCHEMA", "TABLE", "COLUMN", "INDEX", "FOREIGN_KEY", "VIEW", "TRIGGER", "SEQUENCE")
        return [IntrospectionScope[n] for n in names]  # named: a scope the core adds later is not claimed

    def _version_text(self) -> str:
        if self._version is None:
            return "unknown"
        return ".".join(str(p) for p in self._version[:2])


def _make_supports(method: str, key: str) -> Callable[[Any], bool]:
    def supports(self: CapabilityGateMixin) -> bool:
        return self.has_capability(key)

    supports.__name__ = method
    supports.__qualname__ = f"PostgresDialect.{method}"
    supports.__doc__ = f"Answered by capability {key!r}: {caps.get(key).description}."
    tagged: Any = supports  # a function attribute, which the type checker cannot model
    tagged._capability_key = key  # read by the capability tests
    return supports


def install_supports(cls: type) -> type:
    """Class decorator: define every mapped ``supports_*`` on ``cls``."""
    for method, key in SUPPORTS.items():
        caps.get(key)  # a KeyError here is a typo in features.SUPPORTS
        setattr(cls, method, _make_supports(method, key))
    return cls
