"""Typing only: what the dialect mixins use from the class they are mixed into.

Each mixin of this package (``ddl``, ``dml``, ``json``, ...) is a slice of
:class:`~.base.PostgresDialect`: it calls ``self.format_identifier``,
``self.require_capability`` and friends, which the final class gets from the
core's ``SQLDialectBase`` and mixins, or from :class:`~.gates.CapabilityGateMixin`,
and it extends some core formatters through ``super()``. For a type checker the
mixins derive from :class:`DialectHost`, which declares exactly those members;
at run time ``DialectHost`` is plain ``object``, so the classes and their MRO
are what they always were.

Signatures follow the core (``rhosocial.activerecord.backend.dialect``), whose
package ships no type information; expression classes are ``Any`` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

if TYPE_CHECKING:

    class DialectHost:
        # -- SQLDialectBase ------------------------------------------------------
        _version: Optional[Tuple[int, ...]]

        @property
        def name(self) -> str: ...

        @property
        def version(self) -> Tuple[int, int, int]: ...

        def get_parameter_placeholder(self, position: int = 0) -> str: ...

        def get_isolation_level_name(self, level: Any) -> str: ...

        def format_identifier(self, identifier: str) -> str: ...

        @staticmethod
        def _escape_sql_string(value: str) -> str: ...

        @staticmethod
        def _validate_data_type(data_type: str) -> bool: ...

        # -- CapabilityGateMixin (gates.py) ----------------------------------------
        def has_capability(self, key: str) -> bool: ...

        def require_capability(
            self, key: str, what: Optional[str] = None, suggestion: Optional[str] = None
        ) -> None: ...

        # -- PostgresTransactionMixin (transaction.py) ------------------------------
        def format_qualified_name(self, name: Any) -> str: ...

        # -- core mixins: ExpressionMixin ---------------------------------------------
        def _apply_value_expression_modifiers(self, sql: str, params: Tuple, expr: Any) -> Tuple[str, Tuple]: ...

        def format_function_call(self, expr: Any, filter_predicate: Optional[Any] = None) -> Tuple[str, Tuple]: ...

        def format_window_function_call(self, call: Any) -> Tuple[str, Tuple]: ...

        def format_filter_clause(self, condition_sql: str, condition_params: tuple) -> Tuple[str, Tuple]: ...

        # -- core mixins: PredicateMixin ----------------------------------------------
        def format_in_predicate_with_literal_values(self, expr: Any, literal_values: tuple) -> Tuple[str, Tuple]: ...

        def format_cast_expression(
            self, expr_sql: str, target_type: str, expr_params: tuple, alias: Optional[str] = None
        ) -> Tuple[str, Tuple]: ...

        # -- core mixins: DDLColumnMixin, TableMixin --------------------------------
        def format_column_constraint(self, constraint: Any) -> Tuple[str, tuple]: ...

        def format_column_fk_constraint(self, constraint: Any) -> Tuple[str, tuple]: ...

        def format_storage_options(self, storage_options: Dict[str, Any]) -> Tuple[str, tuple]: ...

        def format_create_table_statement(self, expr: Any) -> Tuple[str, tuple]: ...

        # -- core mixins: UpsertMixin, MergeMixin, LateralJoinMixin, ... -------------
        def format_on_conflict_clause(self, expr: Any) -> Tuple[str, tuple]: ...

        def format_merge_statement(self, expr: Any) -> Tuple[str, tuple]: ...

        def format_lateral_expression(
            self, expr_sql: str, expr_params: Tuple[Any, ...], alias: Optional[str], join_type: str
        ) -> Tuple[str, Tuple]: ...

        def format_ordered_set_aggregation(self, aggregation: Any) -> Tuple[str, Tuple]: ...

        def format_cte(
            self,
            name: str,
            query_sql: str,
            columns: Optional[List[str]] = None,
            recursive: bool = False,
            materialized: Optional[bool] = None,
            dialect_options: Optional[Dict[str, Any]] = None,
        ) -> str: ...

        def format_window_frame_specification(self, spec: Any) -> Tuple[str, tuple]: ...

else:
    DialectHost = object

__all__ = ["DialectHost"]
