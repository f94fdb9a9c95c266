"""Which SQL functions the target server has (``supports_functions()``).

The official test suite skips function tests unless this dict says True, and
users ask it before building expressions. Every name maps to a capability row
(so the answer is version-gated and probed like any other); names whose
spelling PostgreSQL lacks are rewritten by ``calls`` (YEAR -> EXTRACT,
TRUNCATE -> TRUNC, SPACE -> REPEAT, POSITION(a IN b), ...) and count as present.
"""

from __future__ import annotations

from typing import Dict

from ._host import DialectHost

# function name (as the core's factories and the suite spell it) -> capability key
FUNCTION_CAPABILITIES: Dict[str, str] = {
    # aggregates
    "count": "window_functions", "sum": "window_functions", "avg": "window_functions",
    "min": "window_functions", "max": "window_functions",
    "array_agg": "array_agg", "string_agg": "string_agg", "any_value": "any_value",
    "range_agg": "range_agg", "percentile_cont": "ordered_set_aggregates", "mode": "ordered_set_aggregates",
    # window
    "row_number": "window_functions", "rank": "window_functions", "dense_rank": "window_functions",
    "lag": "window_functions", "lead": "window_functions", "first_value": "window_functions",
    "last_value": "window_functions", "nth_value": "window_functions",
    # strings
    "concat": "set_operations", "coalesce": "set_operations", "length": "set_operations",
    "substring": "set_operations", "trim": "set_operations", "replace": "set_operations",
    "upper": "set_operations", "lower": "set_operations", "initcap": "set_operations",
    "left": "set_operations", "right": "set_operations", "lpad": "set_operations", "rpad": "set_operations",
    "reverse": "set_operations", "strpos": "set_operations", "concat_op": "set_operations",
    "chr": "set_operations", "ascii": "set_operations", "octet_length": "set_operations",
    "bit_length": "set_operations", "position": "set_operations", "overlay": "set_operations",
    "translate": "set_operations", "repeat": "set_operations", "space": "set_operations",
    "regexp_like": "regexp_like", "regexp_count": "regexp_like", "regexp_instr": "regexp_like",
    "regexp_substr": "regexp_like", "unistr": "unistr", "casefold": "array_sort",
    # math
    "abs": "set_operations", "round": "set_operations", "ceil": "set_operations", "floor": "set_operations",
    "sqrt": "set_operations", "power": "set_operations", "exp": "set_operations", "log": "set_operations",
    "sin": "set_operations", "cos": "set_operations", "tan": "set_operations", "mod": "set_operations",
    "sign": "set_operations", "truncate": "set_operations", "gcd": "gcd_lcm", "lcm": "gcd_lcm",
    # date/time
    "now": "set_operations", "current_date": "set_operations", "current_time": "set_operations",
    "current_timestamp": "set_operations", "localtimestamp": "set_operations",
    "year": "set_operations", "month": "set_operations", "day": "set_operations",
    "hour": "set_operations", "minute": "set_operations", "second": "set_operations",
    "date_part": "set_operations", "date_trunc": "set_operations", "extract": "set_operations",
    "interval": "set_operations", "date_add": "set_operations", "date_sub": "set_operations",
    "date_diff": "set_operations", "date_bin": "date_bin",
    # conditional
    "case": "set_operations", "nullif": "set_operations", "greatest": "set_operations", "least": "set_operations",
    # JSON
    "json_extract": "json_arrow_operators", "json_extract_text": "json_arrow_operators",
    "json_build_object": "json_arrow_operators", "json_array_elements": "json_arrow_operators",
    "jsonb_set": "jsonb_modify", "jsonb_insert": "jsonb_insert",
    "jsonb_path_query": "jsonpath", "json_objectagg": "json_standard_aggregates",
    "json_arrayagg": "json_standard_aggregates", "json_object": "json_object_function",
    "json_array": "json_constructors", "json_query": "json_query_functions",
    "json_value": "json_query_functions", "json_exists": "json_query_functions",
    "json_table": "json_table",
    # arrays
    "unnest": "arrays", "array_length": "arrays", "array_shuffle": "array_shuffle",
    "array_sample": "array_shuffle", "array_sort": "array_sort", "array_reverse": "array_sort",
    "trim_array": "date_bin",
    # types
    "cast": "set_operations", "to_char": "set_operations", "to_number": "set_operations",
    "to_date": "set_operations",
    # grouping
    "grouping_sets": "grouping_sets", "rollup": "rollup", "cube": "cube",
    # system
    "current_user": "set_operations", "session_user": "set_operations", "system_user": "system_user",
    # uuid
    "gen_random_uuid": "gen_random_uuid", "uuidv7": "uuidv7", "uuidv4": "uuidv7",
    # SQL/XML
    "xmlagg": "xml", "xmlattributes": "xml", "xmlcomment": "xml", "xmlconcat": "xml", "xmlelement": "xml",
    "xmlexists": "xml", "xmlforest": "xml", "xmlparse": "xml", "xmlpi": "xml", "xmlquery": "xmlquery",
    "xmlroot": "xml", "xmlserialize": "xml", "xmltable": "xmltable",
}
# NOTE: functions present since before 8.x borrow an ancient row ("set_operations",
# probed on every server) rather than growing the table by sixty rows that say
# "always". Every name here is built with the core's builder and run on the server
# (answer compared with hand-written SQL) by tests/capabilities/test_functions_run.py,
# which also fails when a name is added without a case.


class PostgresFunctionsMixin(DialectHost):
    def supports_functions(self) -> Dict[str, bool]:
        result = {name: self.has_capability(key) for name, key in FUNCTION_CAPABILITIES.items()}
        # The core's factory names carry a trailing underscore where they shadow
        # Python builtins (sum_, min_, abs_, round_, chr_): answer both spellings.
        for alias in ("sum", "min", "max", "abs", "round", "chr"):
            result[alias + "_"] = result[alias]
        return result
