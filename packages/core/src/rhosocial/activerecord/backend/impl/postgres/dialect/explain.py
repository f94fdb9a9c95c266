"""EXPLAIN in PostgreSQL's parenthesised form, with version gates.

Every field of the core's ``ExplainOptions`` is either written into the
statement or refused; none is dropped without a word, because a dropped option
gives a plan the caller did not ask for and cannot tell apart from the one asked for:

* ``analyze`` / ``type=ExplainType.ANALYZE`` -> ANALYZE; ``type`` BASIC, PLAN and
  QUERY_PLAN are plain EXPLAIN; FORMAT and PROFILE are other databases' modes: refused.
* ``verbose`` -> VERBOSE; ``costs=False`` -> COSTS OFF; ``settings`` -> SETTINGS (12).
* ``buffers`` -> BUFFERS. Before PostgreSQL 13 it requires ANALYZE; ``False`` (the
  default) sends nothing, so PostgreSQL 18 shows buffers with ANALYZE as it does by default.
* ``timing`` -> with ANALYZE, TIMING OFF when False (the core's default); True
  without ANALYZE is refused, as the server does ("TIMING requires ANALYZE").
* ``summary`` -> SUMMARY OFF when False (10); True is the core's default and leaves
  the server's own default (on with ANALYZE). ``dialect_options={"summary": True}``
  asks for SUMMARY explicitly, e.g. planning time without ANALYZE.
* ``wal`` -> WAL (13, requires ANALYZE).
* ``format`` / ``format_name`` -> FORMAT TEXT|JSON|XML|YAML (others refused; both
  given and different: refused). ``analyze_format`` (MySQL's) is refused.
* ``dialect_options``: ``generic_plan`` (16, not with ANALYZE), ``memory`` (17),
  ``serialize`` (17, True or "text"/"binary"/"none", requires ANALYZE), ``summary``.
  Any other key is refused.

Combinations the server refuses are refused here first with ``ValueError`` and the
server's wording; options newer than the server raise ``UnsupportedFeatureError``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError

from ._host import DialectHost

_EXPLAIN_FORMATS = ("TEXT", "JSON", "XML", "YAML")
_DIALECT_OPTIONS = ("generic_plan", "memory", "serialize", "summary")
_SERIALIZE_MODES = ("TEXT", "BINARY", "NONE")


def _flag(options: Dict[str, Any], key: str) -> Any:
    value = options.get(key)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"EXPLAIN dialect option {key!r} takes True or False, got {value!r}")
    return value


class PostgresExplainDialectMixin(DialectHost):
    _EXPLAIN_FORMATS = _EXPLAIN_FORMATS

    def supports_explain_format(self, format_type: str) -> bool:
        return self.has_capability("explain") and str(format_type).upper() in self._EXPLAIN_FORMATS

    def format_explain_statement(self, expr: Any) -> Tuple[str, tuple]:
        stmt_sql, stmt_params = expr.statement.to_sql()
        options = expr.options
        if options is None:
            return f"EXPLAIN {stmt_sql}", stmt_params
        opts = self._explain_options(options)
        head = f"EXPLAIN ({', '.join(opts)})" if opts else "EXPLAIN"
        return f"{head} {stmt_sql}", stmt_params

    def _explain_options(self, options: Any) -> List[str]:
        from rhosocial.activerecord.backend.expression.statements import ExplainType

        kind = getattr(options, "type", None)
        if kind not in (None, ExplainType.BASIC, ExplainType.PLAN, ExplainType.QUERY_PLAN, ExplainType.ANALYZE):
            raise UnsupportedFeatureError(self.name, f"EXPLAIN type {getattr(kind, 'value', kind)}",
                                          "PostgreSQL has plain EXPLAIN and EXPLAIN ANALYZE; use format= "
                                          "for the output format")
        if getattr(options, "analyze_format", None) is not None:
            raise UnsupportedFeatureError(self.name, "EXPLAIN analyze_format",
                                          "use analyze=True together with format=")
        extra = dict(getattr(options, "dialect_options", None) or {})
        unknown = sorted(set(extra) - set(_DIALECT_OPTIONS))
        if unknown:
            raise ValueError(f"unknown EXPLAIN dialect option(s) {unknown}; PostgreSQL takes "
                             f"{', '.join(_DIALECT_OPTIONS)}")
        analyze = bool(getattr(options, "analyze", False)) or kind == ExplainType.ANALYZE
        opts: List[str] = ["ANALYZE"] if analyze else []
        if getattr(options, "verbose", False):
            opts.append("VERBOSE")
        if not getattr(options, "costs", True):
            opts.append("COSTS OFF")
        opts.extend(self._explain_buffers(bool(getattr(options, "buffers", False)), analyze))
        timing = getattr(options, "timing", False)
        if timing and not analyze:
            raise ValueError("EXPLAIN option TIMING requires ANALYZE")
        if analyze and not timing:
            opts.append("TIMING OFF")
        summary = _flag(extra, "summary")
        if summary is None and getattr(options, "summary", True) is False:
            summary = False
        if summary is not None:
            opts.append("SUMMARY" if summary else "SUMMARY OFF")
        if getattr(options, "settings", False):
            self.require_capability("explain_settings", "EXPLAIN (SETTINGS)")
            opts.append("SETTINGS")
        if getattr(options, "wal", False):
            self.require_capability("explain_wal", "EXPLAIN (WAL)")
            if not analyze:
                raise ValueError("EXPLAIN option WAL requires ANALYZE")
            opts.append("WAL")
        opts.extend(self._explain_dialect_options(extra, analyze))
        name = self._explain_format_name(options)
        if name is not None:
            opts.append(f"FORMAT {name}")
        return opts

    def _explain_buffers(self, buffers: bool, analyze: bool) -> List[str]:
        # These two depend on the server's major but are no capability of their own; a
        # dialect not yet told its version (EXPLAIN before introspect_and_adapt) sends
        # the plain option and leaves the server its say, as before.
        version = getattr(self, "_version", None)
        major = version[0] if version else None
        if buffers:
            # BUFFERS alone (planning buffers) came with PostgreSQL 13: before it the
            # server says "EXPLAIN option BUFFERS requires ANALYZE".
            if not analyze and major is not None and major < 13:
                raise ValueError("EXPLAIN option BUFFERS requires ANALYZE before PostgreSQL 13")
            return ["BUFFERS"]
        # buffers=False is the options' default, not a request: PostgreSQL 18, which shows
        # buffers with ANALYZE by default, keeps doing so (no BUFFERS OFF is sent)
        return []

    def _explain_dialect_options(self, extra: Dict[str, Any], analyze: bool) -> List[str]:
        opts: List[str] = []
        if _flag(extra, "generic_plan"):
            self.require_capability("explain_generic_plan", "EXPLAIN (GENERIC_PLAN)")
            if analyze:
                raise ValueError("EXPLAIN options ANALYZE and GENERIC_PLAN cannot be used together")
            opts.append("GENERIC_PLAN")
        serialize = extra.get("serialize")
        if serialize not in (None, False):
            self.require_capability("explain_serialize_memory", "EXPLAIN (SERIALIZE)")
            if not analyze:
                raise ValueError("EXPLAIN option SERIALIZE requires ANALYZE")
            mode = "" if serialize is True else str(serialize).upper()
            if mode and mode not in _SERIALIZE_MODES:
                raise ValueError(f"EXPLAIN SERIALIZE takes True or one of {_SERIALIZE_MODES}, got {serialize!r}")
            opts.append(f"SERIALIZE {mode}".rstrip())
        if _flag(extra, "memory"):
            self.require_capability("explain_serialize_memory", "EXPLAIN (MEMORY)")
            opts.append("MEMORY")
        return opts

    def _explain_format_name(self, options: Any) -> Any:
        fmt = getattr(options, "format", None)
        name = str(getattr(fmt, "value", fmt)).upper() if fmt is not None else None
        alias = getattr(options, "format_name", None)
        if alias is not None:
            alias = str(alias).upper()
            if name is not None and name != alias:
                raise ValueError(f"EXPLAIN format {name} and format_name {alias} disagree")
            name = alias
        if name is not None and name not in self._EXPLAIN_FORMATS:
            raise UnsupportedFeatureError(self.name, f"EXPLAIN FORMAT {name}")
        return name
