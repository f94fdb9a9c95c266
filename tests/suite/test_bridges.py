"""Every module of the official suite has an up-to-date bridge file (see make_bridges.py)."""

from tests.suite import make_bridges


def test_every_suite_module_has_a_bridge():
    assert make_bridges.suite_modules(), "the installed suite has no test modules"
    assert make_bridges.problems() == [], "run: python tests/suite/make_bridges.py"
