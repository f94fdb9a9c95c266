"""Every module of the official suite has an up-to-date bridge file (see make_bridges.py), and
every test the suite defines reaches pytest, except the recorded upstream shadowings."""

import ast
import importlib
from collections import Counter

from tests.suite import make_bridges

# Tests of the suite that can never run: a second definition of the same name in one module
# replaces the first, so pytest collects only the last one. Upstream defects (see RESULTS.md);
# recorded here so that a new shadowing is noticed. module -> shadowed names (Class.method for
# methods); the number is how many definitions are lost.
KNOWN_SHADOWED = {
    "feature/query/range_queries/test_range_query_detailed.py": {"test_like_with_string_column_name": 1},
    "feature/query/range_queries/test_range_query_detailed_async.py": {"test_like_with_string_column_name": 1},
    "feature/relation/validation/test_validator_async.py": {"TestAsyncRelationshipValidator": 1},
}


def test_every_suite_module_has_a_bridge():
    assert make_bridges.suite_modules(), "the installed suite has no test modules"
    assert make_bridges.problems() == [], "run: python tests/suite/make_bridges.py"


def _definitions(tree: ast.Module):
    """Top-level test functions / Test classes, and the test methods of each class body."""
    top, methods = Counter(), Counter()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            top[node.name] += 1
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            top[node.name] += 1
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    methods[f"{node.name}.{item.name}"] += 1
    return top, methods


def test_no_suite_test_is_lost_on_the_way():
    root = make_bridges.suite_root()
    shadowed, missing = {}, []
    for rel in make_bridges.suite_modules():
        top, methods = _definitions(ast.parse((root / rel).read_text(encoding="utf-8")))
        lost = {name: count - 1 for name, count in (top + methods).items() if count > 1}
        if lost:
            shadowed[rel.as_posix()] = lost
        # what the bridge imports is what pytest collects: every test name, the suite's own object
        dotted = ".".join(rel.with_suffix("").parts)
        suite = importlib.import_module(f"{make_bridges.PKG}.{dotted}")
        bridge = importlib.import_module(f"tests.suite.{dotted}")
        missing += [f"{rel.as_posix()}::{name}" for name in top
                    if getattr(bridge, name, None) is not getattr(suite, name)]
    assert missing == [], f"suite tests the bridges do not import: {missing}"
    assert shadowed == KNOWN_SHADOWED, (
        "suite tests shadowed by a later definition of the same name changed; report new ones upstream "
        f"and update KNOWN_SHADOWED and tests/suite/RESULTS.md: {shadowed}")
