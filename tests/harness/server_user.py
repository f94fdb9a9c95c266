"""Running PostgreSQL binaries as an unprivileged user when the harness runs as root.

Why: initdb, pg_ctl and postgres refuse to run as root, and CI containers often run
as root. We then create (once, idempotently) a system user ``rhopg`` (override with
RHOSOCIAL_PG_SERVER_USER), give it the temp folders, and make the binaries reachable.
Tests that need extra server-side commands (pg_basebackup for a standby, ...) use
:func:`run_as_server_user` so files end up owned by the same user as the server.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path
from typing import Dict, Optional, Sequence

from .errors import ProvisioningError

SERVER_USER = os.environ.get("RHOSOCIAL_PG_SERVER_USER", "rhopg")


def running_as_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


def ensure_server_user() -> Optional[pwd.struct_passwd]:
    """The passwd entry to run servers as (None when not root: run as ourselves)."""
    if not running_as_root():
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:  # a parallel worker may have won the race: only the final state matters
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise ProvisioningError(
            f"running as root, PostgreSQL needs an unprivileged user and `useradd {SERVER_USER}` failed: "
            f"{result.stdout.strip()} (create the user yourself or run the tests as a normal user)") from None


def server_env(home: Optional[str] = None) -> Dict[str, str]:
    """Our environment minus PG* variables (a stray PGDATA/PGPORT must not redirect servers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if home:
        env["HOME"] = home
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


def run_as_server_user(cmd: Sequence[str], *, cwd: Optional[str] = None, check: bool = True,
                       timeout: Optional[float] = 300, env: Optional[Dict[str, str]] = None,
                       input: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` as the server user (or as ourselves when not root), output captured as text.

    On failure with ``check`` the raised ProvisioningError includes the command's output.
    """
    entry = ensure_server_user()
    kwargs = dict(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[]) if entry else {}
    cwd = cwd or "/tmp"
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env or server_env(cwd), input=input, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise ProvisioningError(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n{result.stdout}")
    return result


def give_to_server_user(path: Path) -> None:
    """chown -R the folder to the server user (no-op when not root)."""
    entry = ensure_server_user()
    if entry is None:
        return
    make_traversable(path.parent)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files + dirs:
            os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def make_traversable(path: Path) -> None:
    """Add the search bit for others on ``path`` and every parent (e.g. /root is 0700)."""
    if not running_as_root():
        return
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


def make_readable_tree(path: Path) -> None:
    """o+r on files (o+x where the owner may execute), o+rx on folders: binaries usable by the server user."""
    if not running_as_root():
        return
    make_traversable(path)
    for root, dirs, files in os.walk(path):
        os.chmod(root, os.stat(root).st_mode | stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            full = os.path.join(root, name)
            if os.path.islink(full):
                continue
            mode = os.stat(full).st_mode
            extra = stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0)
            if mode & extra != extra:
                os.chmod(full, mode | extra)
