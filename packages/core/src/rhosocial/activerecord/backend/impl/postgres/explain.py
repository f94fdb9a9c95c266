"""Typed EXPLAIN results for PostgreSQL (no I/O).

``backend.explain(expression, ExplainOptions(...))`` (and ``explain_sql`` for
raw SQL) ask for ``FORMAT JSON`` unless another format is requested, and parse
the answer into :class:`PostgresExplainResult`: a tree of :class:`PlanNode`
with costs, estimated and actual rows, timings and buffer counts, plus the
planning and execution times. Other formats keep their text in ``lines``.

Note the core's ``ExplainOptions.timing`` defaults to False: with ANALYZE the
dialect then sends ``TIMING OFF``, so per-node actual times are absent (rows
and loops are still counted, and ``execution_time`` is still measured). Pass
``timing=True`` for per-node times.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Iterator, List, Optional, Tuple

from pydantic import BaseModel, Field
from rhosocial.activerecord.backend.explain import BaseExplainResult

__all__ = ["PlanNode", "PostgresExplainResult", "RawStatement", "parse_explain_rows", "with_json_format"]

# JSON key -> PlanNode field. Keys not listed stay in PlanNode.extra.
_NODE_FIELDS = {
    "Node Type": "node_type",
    "Parent Relationship": "parent_relationship",
    "Operation": "operation",
    "Relation Name": "relation_name",
    "Schema": "schema_name",
    "Alias": "alias",
    "Index Name": "index_name",
    "Join Type": "join_type",
    "Strategy": "strategy",
    "Parallel Aware": "parallel_aware",
    "Startup Cost": "startup_cost",
    "Total Cost": "total_cost",
    "Plan Rows": "plan_rows",
    "Plan Width": "plan_width",
    "Actual Startup Time": "actual_startup_time",
    "Actual Total Time": "actual_total_time",
    "Actual Rows": "actual_rows",
    "Actual Loops": "actual_loops",
    "Filter": "filter",
    "Rows Removed by Filter": "rows_removed_by_filter",
    "Index Cond": "index_cond",
    "Hash Cond": "hash_cond",
    "Merge Cond": "merge_cond",
    "Join Filter": "join_filter",
    "Sort Key": "sort_key",
    "Group Key": "group_key",
    "Output": "output",
    "Shared Hit Blocks": "shared_hit_blocks",
    "Shared Read Blocks": "shared_read_blocks",
    "Shared Dirtied Blocks": "shared_dirtied_blocks",
    "Shared Written Blocks": "shared_written_blocks",
    "Local Hit Blocks": "local_hit_blocks",
    "Local Read Blocks": "local_read_blocks",
    "Temp Read Blocks": "temp_read_blocks",
    "Temp Written Blocks": "temp_written_blocks",
}


class PlanNode(BaseModel):
    """One node of a query plan; ``children`` are its sub-plans ("Plans")."""

    node_type: str
    parent_relationship: Optional[str] = None
    operation: Optional[str] = None  # ModifyTable: Insert, Update, Delete, Merge
    relation_name: Optional[str] = None
    schema_name: Optional[str] = None
    alias: Optional[str] = None
    index_name: Optional[str] = None
    join_type: Optional[str] = None
    strategy: Optional[str] = None
    parallel_aware: Optional[bool] = None
    startup_cost: Optional[float] = None
    total_cost: Optional[float] = None
    plan_rows: Optional[float] = None
    plan_width: Optional[int] = None
    actual_startup_time: Optional[float] = None  # milliseconds, per loop (ANALYZE with timing)
    actual_total_time: Optional[float] = None
    actual_rows: Optional[float] = None  # per loop; fractional from PostgreSQL 18
    actual_loops: Optional[int] = None
    filter: Optional[str] = None
    rows_removed_by_filter: Optional[float] = None
    index_cond: Optional[str] = None
    hash_cond: Optional[str] = None
    merge_cond: Optional[str] = None
    join_filter: Optional[str] = None
    sort_key: Optional[List[str]] = None
    group_key: Optional[List[str]] = None
    output: Optional[List[str]] = None
    shared_hit_blocks: Optional[int] = None
    shared_read_blocks: Optional[int] = None
    shared_dirtied_blocks: Optional[int] = None
    shared_written_blocks: Optional[int] = None
    local_hit_blocks: Optional[int] = None
    local_read_blocks: Optional[int] = None
    temp_read_blocks: Optional[int] = None
    temp_written_blocks: Optional[int] = None
    extra: Dict[str, Any] = Field(default_factory=dict)
    children: List["PlanNode"] = Field(default_factory=list)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "PlanNode":
        values: Dict[str, Any] = {"extra": {}}
        for key, value in data.items():
            if key == "Plans":
                values["children"] = [cls.from_json(child) for child in value]
            elif key in _NODE_FIELDS:
                values[_NODE_FIELDS[key]] = value
            else:
                values["extra"][key] = value
        return cls(**values)

    @property
    def actual_total_rows(self) -> Optional[float]:
        """Rows over all loops (``actual_rows`` is per loop)."""
        if self.actual_rows is None:
            return None
        return self.actual_rows * (self.actual_loops or 1)

    def walk(self) -> Iterator["PlanNode"]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def describe(self) -> str:
        """One line in the spirit of EXPLAIN's text format."""
        text = self.operation if self.node_type == "ModifyTable" and self.operation else self.node_type
        if self.index_name:
            text += f" using {self.index_name}"
        if self.relation_name:
            text += f" on {self.relation_name}"
            if self.alias and self.alias != self.relation_name:
                text += f" {self.alias}"
        if self.total_cost is not None:
            text += (f"  (cost={self.startup_cost:.2f}..{self.total_cost:.2f} "
                     f"rows={self.plan_rows:.0f} width={self.plan_width})")
        if self.actual_rows is not None:
            timing = (f"time={self.actual_startup_time:.3f}..{self.actual_total_time:.3f} "
                      if self.actual_total_time is not None else "")
            text += f" (actual {timing}rows={self.actual_rows:g} loops={self.actual_loops})"
        return text


PlanNode.model_rebuild()


class PostgresExplainResult(BaseExplainResult):
    """EXPLAIN output: ``plan`` (JSON format) or ``lines`` (TEXT, XML, YAML)."""

    format: str = "JSON"
    plan: Optional[PlanNode] = None
    planning_time: Optional[float] = None  # milliseconds
    execution_time: Optional[float] = None  # milliseconds (ANALYZE only)
    triggers: List[Dict[str, Any]] = Field(default_factory=list)
    settings: Dict[str, Any] = Field(default_factory=dict)
    jit: Optional[Dict[str, Any]] = None
    planning: Optional[Dict[str, Any]] = None  # planning buffers (BUFFERS, PostgreSQL 13+)
    extra: Dict[str, Any] = Field(default_factory=dict)
    lines: List[str] = Field(default_factory=list)

    @property
    def analyzed(self) -> bool:
        return self.execution_time is not None or (self.plan is not None and self.plan.actual_loops is not None)

    @property
    def total_cost(self) -> Optional[float]:
        return self.plan.total_cost if self.plan else None

    @property
    def estimated_rows(self) -> Optional[float]:
        return self.plan.plan_rows if self.plan else None

    @property
    def actual_rows(self) -> Optional[float]:
        return self.plan.actual_total_rows if self.plan else None

    def nodes(self) -> List[PlanNode]:
        return list(self.plan.walk()) if self.plan else []

    def find(self, node_type: str) -> List[PlanNode]:
        """Nodes of one type, e.g. ``find("Seq Scan")`` or ``find("Index Scan")``."""
        return [node for node in self.nodes() if node.node_type == node_type]

    def uses_index(self, index_name: Optional[str] = None) -> bool:
        return any(node.index_name and (index_name is None or node.index_name == index_name)
                   for node in self.nodes())

    def to_text(self) -> str:
        """An indented rendering of the plan (or the server's text for other formats)."""
        if self.plan is None:
            return "\n".join(self.lines)
        out: List[str] = []

        def render(node: PlanNode, depth: int) -> None:
            prefix = "" if depth == 0 else "  " * depth + "->  "
            out.append(prefix + node.describe())
            for child in node.children:
                render(child, depth + 1)

        render(self.plan, 0)
        if self.planning_time is not None:
            out.append(f"Planning Time: {self.planning_time:.3f} ms")
        if self.execution_time is not None:
            out.append(f"Execution Time: {self.execution_time:.3f} ms")
        return "\n".join(out)


def _fmt_name(options: Any) -> str:
    fmt = getattr(options, "format", None) if options is not None else None
    return str(getattr(fmt, "value", fmt)).upper() if fmt is not None else "JSON"


def with_json_format(options: Any) -> Any:
    """The caller's ExplainOptions with FORMAT JSON when no format was chosen."""
    from rhosocial.activerecord.backend.expression.statements import ExplainFormat, ExplainOptions

    if options is None:
        return ExplainOptions(format=ExplainFormat.JSON)
    # format_name is the core's other spelling of the format: the dialect reads it.
    if getattr(options, "format", None) is None and getattr(options, "format_name", None) is None:
        return dataclasses.replace(options, format=ExplainFormat.JSON)
    return options


def parse_explain_rows(raw_rows: List[Dict[str, Any]], sql: str, duration: float) -> PostgresExplainResult:
    """Rows of ``EXPLAIN (FORMAT JSON)`` (one row, one JSON value) or of another format."""
    values = [next(iter(row.values())) for row in raw_rows if row]
    document: Any = None
    if len(values) == 1:
        document = values[0]
        if isinstance(document, str) and document.lstrip().startswith("["):
            try:
                document = json.loads(document)
            except ValueError:
                document = None
    if isinstance(document, list) and document and isinstance(document[0], dict) and "Plan" in document[0]:
        top = dict(document[0])
        plan = PlanNode.from_json(top.pop("Plan"))
        return PostgresExplainResult(
            raw_rows=raw_rows, sql=sql, duration=duration, format="JSON", plan=plan,
            planning_time=top.pop("Planning Time", None), execution_time=top.pop("Execution Time", None),
            triggers=top.pop("Triggers", []), settings=top.pop("Settings", {}), jit=top.pop("JIT", None),
            planning=top.pop("Planning", None), extra=top,
        )
    head = sql.lstrip()[:200].upper()
    fmt = "TEXT"
    for name in ("XML", "YAML"):
        if f"FORMAT {name}" in head:
            fmt = name
    lines: List[str] = []
    for value in values:
        lines.extend(str(value).splitlines())
    return PostgresExplainResult(raw_rows=raw_rows, sql=sql, duration=duration, format=fmt, lines=lines)


class RawStatement:
    """A raw SQL statement usable where the dialect expects an expression (``to_sql()``)."""

    def __init__(self, sql: str, params: Optional[Tuple[Any, ...]] = None) -> None:
        self.sql = sql
        self.params = tuple(params or ())

    def to_sql(self) -> Tuple[str, Tuple[Any, ...]]:
        return self.sql, self.params
