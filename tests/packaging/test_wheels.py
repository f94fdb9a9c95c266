"""Each distribution builds a wheel, and each combination installs and imports on its own.

core only; core+sync; core+async; meta (both). Every combination goes into a
fresh virtual environment with nothing else of ours in it, so a missing file or
a wrong dependency in one distribution cannot be hidden by the monorepo.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTS = {"core": "rhosocial-activerecord-postgres-core", "sync": "rhosocial-activerecord-postgres-sync",
         "async": "rhosocial-activerecord-postgres-async", "meta": "rhosocial-activerecord-postgres"}

CHECK = r"""
import importlib, sys, pathlib
want = set(sys.argv[1].split(","))
pkg = importlib.import_module("rhosocial.activerecord.backend.impl.postgres")
from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig, SerializationError
# the namespace levels stay namespace packages: no __init__.py of ours above postgres/
import rhosocial.activerecord.backend.impl as impl
for level in ("rhosocial", "rhosocial/activerecord", "rhosocial/activerecord/backend", "rhosocial/activerecord/backend/impl"):
    base = pathlib.Path(pkg.__file__).parents[4 - level.count("/")]
    assert not (base / level / "__init__.py").exists() or level.count("/") >= 2, level
for name, flavour, dist in (("PostgresBackend", "sync", "rhosocial-activerecord-postgres-sync"),
                            ("AsyncPostgresBackend", "async", "rhosocial-activerecord-postgres-async")):
    try:
        exec(f"from rhosocial.activerecord.backend.impl.postgres import {name}")
        ok = True
    except ImportError as exc:
        ok = False
        assert dist in str(exc), str(exc)
    assert ok == (flavour in want), (name, ok, want)
print("ok")
"""


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    for name in DISTS:
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT / "packages" / name)],
                       check=True, capture_output=True, text=True)
    return out


@pytest.mark.parametrize("install, flavours", [
    (["core"], ""), (["sync"], "sync"), (["async"], "async"), (["meta"], "sync,async"),
])
def test_wheel_installs_alone(wheelhouse, tmp_path, install, flavours):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    requirements = [DISTS[name] for name in install]
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--pre", "--find-links", str(wheelhouse), *requirements],
                   check=True, capture_output=True, text=True)
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], check=True,
                            capture_output=True, text=True).stdout.lower()
    for name, dist in DISTS.items():
        expected = name in install or name == "core" or (install == ["meta"] and name in ("sync", "async"))
        present = f"{dist}==1.0.0a1" in listed
        assert present == expected, (dist, listed)
    result = subprocess.run([str(python), "-c", CHECK, flavours], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    # our wheels ship nothing above backend/impl/postgres
    site = next((env_dir / "lib").glob("python*/site-packages"))
    for level in ("rhosocial", "rhosocial/activerecord", "rhosocial/activerecord/backend",
                  "rhosocial/activerecord/backend/impl"):
        init = site / level / "__init__.py"
        assert not init.exists(), f"{init} must not exist (PEP 420 namespace package)"
