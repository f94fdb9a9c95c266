"""SQL/XML where PostgreSQL's grammar differs from the core's generic builders.

* ``PASSING BY VALUE`` parses from 12 only (10/11 know ``BY REF`` alone). PostgreSQL
  ignores the mechanism on every version (both pass the value), so before 12 a
  ``BY VALUE`` is left out: same result, valid SQL.
* ``XMLSERIALIZE`` has no whitespace option in PostgreSQL (only ``[NO] INDENT``, 16+).
  Serialising writes the value's text unchanged, whitespace included: a
  ``PRESERVE WHITESPACE`` request is what it does anyway and is not written;
  ``STRIP WHITESPACE`` has no equivalent and is refused.
* ``XMLTABLE``'s column list is bare: ``COLUMNS v int PATH '.', w text`` (the core
  wrote ``COLUMNS (...)``, which no version parses).
* ``XMLROOT`` requires its ``VERSION`` item: without a version the core wrote
  ``XMLROOT(x, STANDALONE ...)``, a syntax error; PostgreSQL spells "no version"
  ``VERSION NO VALUE`` (the declaration then says 1.0, the default).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError

from ._host import DialectHost


class PostgresXMLMixin(DialectHost):
    def _format_xml_passing_clause(self, expressions: List[Any], mechanism: Optional[Any] = None) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.xml import XMLPassingMechanism

        if mechanism == XMLPassingMechanism.BY_VALUE and not self.has_capability("xml_passing_by_value"):
            mechanism = None  # a no-op in PostgreSQL, and a syntax error before 12
        return super()._format_xml_passing_clause(expressions, mechanism)  # type: ignore[misc]

    def format_xmlserialize_expression(self, expr: Any) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.xml import XMLWhitespaceOption

        self.require_capability("xml", "XMLSERIALIZE")
        option = expr.whitespace_option
        if option is None or option == XMLWhitespaceOption.PRESERVE:
            if not self._validate_data_type(expr.target_type):  # type: ignore[attr-defined]
                raise ValueError(f"Invalid XMLSERIALIZE target type: {expr.target_type}")
            content_sql, params = expr.content.to_sql()
            return f"XMLSERIALIZE({expr.document_type.value} {content_sql} AS {expr.target_type})", tuple(params)
        raise UnsupportedFeatureError(
            self.name, f"XMLSERIALIZE ... {option.value}",
            "PostgreSQL serialises the value's text unchanged; strip whitespace when parsing instead "
            "(xmlparse(..., preserve_whitespace=False)).")

    def format_xmltable_expression(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("xmltable", "XMLTABLE")
        row_sql, row_params = expr.row_pattern.to_sql()
        parts, params = [row_sql], list(row_params)
        passing_sql, passing_params = self._format_xml_passing_clause(expr.passing, expr.passing_mechanism)
        if passing_sql:
            parts.append(passing_sql)
            params.extend(passing_params)
        columns = []
        for column in expr.columns:
            if not self._validate_data_type(column.data_type):  # type: ignore[attr-defined]
                raise ValueError(f"Invalid XMLTABLE column type: {column.data_type}")
            text = f"{self.format_identifier(column.name)} {column.data_type}"
            for word, part in (("PATH", column.path), ("DEFAULT", column.default)):
                if part is not None:
                    p_sql, p_params = part.to_sql()
                    text += f" {word} {p_sql}"
                    params.extend(p_params)
            columns.append(text)
        if not columns:
            raise ValueError("XMLTABLE needs at least one column")
        parts.append("COLUMNS " + ", ".join(columns))
        return f"XMLTABLE({' '.join(parts)})", tuple(params)

    def format_xmlroot_expression(self, expr: Any) -> Tuple[str, tuple]:
        self.require_capability("xml", "XMLROOT")
        content_sql, content_params = expr.content.to_sql()
        params = list(content_params)
        if expr.version is None:
            version = "VERSION NO VALUE"
        else:
            v_sql, v_params = expr.version.to_sql()
            version = f"VERSION {v_sql}"
            params.extend(v_params)
        parts = [content_sql, version]
        if expr.standalone is not None:
            parts.append(f"STANDALONE {expr.standalone.value}")
        return f"XMLROOT({', '.join(parts)})", tuple(params)
