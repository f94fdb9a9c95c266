"""Run mypy on the three source trees as the one package they form once installed.

Why: ``postgres/`` is a regular package in the core distribution, and ``aio/`` and
``sync/`` are subpackages shipped by the async and sync distributions (joined at run
time by ``pkgutil.extend_path``). mypy does not follow ``extend_path``: run on the
trees in place, ``from ..backend_base import PostgresBackendMixin`` inside ``aio/``
does not resolve, ``ignore_missing_imports`` turns it into ``Any``, and every class
built on the shared core is unchecked. Copying the trees into one temporary
``rhosocial/`` tree gives mypy the installed layout; reported paths are mapped back
to the files in ``packages/``.

``python tools/mypy_merged.py [extra mypy args]``; exit status is mypy's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "packages" / name / "src" for name in ("core", "async", "sync")]


def _merge(into: Path) -> dict[str, str]:
    """Copy every tree's ``.py`` files under ``into``; map merged path -> original path."""
    origin: dict[str, str] = {}
    for tree in TREES:
        for source in tree.rglob("*.py"):
            relative = source.relative_to(tree)
            if relative.as_posix() in origin:
                raise SystemExit(f"{relative} is shipped by two distributions")
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            origin[relative.as_posix()] = source.relative_to(ROOT).as_posix()
    return origin


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="mypy-merged-") as tmp:
        origin = _merge(Path(tmp))
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "rhosocial", *argv],
            cwd=tmp, capture_output=True, text=True, env={**os.environ, "MYPY_FORCE_COLOR": "0"},
        )
    for line in (result.stdout + result.stderr).splitlines():
        path, sep, rest = line.partition(":")
        print(f"{origin.get(path, path)}{sep}{rest}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
