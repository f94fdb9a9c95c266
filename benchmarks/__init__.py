"""Side-by-side benchmarks: ``python -m benchmarks [--quick]`` (also ``tox -e bench``).

See docs/performance.md for what is measured and how to read the results.
"""
