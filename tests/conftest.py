"""Root of the project's tests: real PostgreSQL servers come from tests/harness."""

pytest_plugins = ["tests.harness.plugin", "tests.results_report"]
