"""Every server the harness starts is tracked here so that nothing outlives the test run.

Why: a test run that crashes, is interrupted (Ctrl-C, CI timeout sending SIGTERM) or
forgets a server would otherwise leave postmasters and data dirs behind, and the next
run on a CI machine fights them for memory and ports. Cleanup therefore happens from
three places: pytest_sessionfinish, atexit, and SIGTERM/SIGINT handlers. What still
survives (e.g. after SIGKILL) is found by :func:`leftovers`, which recognises the
harness's temp dirs by their prefix (``<tmp>/rhopg-<kind>-p<owner pid>-*``) and
postmasters by ``-D`` paths inside them; :func:`clean_leftovers` removes them. The
library's own ``EmbeddedPostgres`` (the demo's server) is found the same way by its
prefix (``<tmp>/rhosocial-pg-embedded-p<owner pid>-*``).

The owner pid in the name matters on shared machines: several sessions (developers, CI
jobs, the ``serve`` command) may run at once, so by default only items whose owning
process is gone count as leftovers; ``include_live=True`` reports (and cleans) them all.
A dir whose name carries no pid (made by an older ``EmbeddedPostgres``) may still be in
use, so it counts as live: only ``include_live`` touches it.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Optional

from .handle import ServerHandle

TEMP_PREFIX = "rhopg-"
# EmbeddedPostgres.DEFAULT_PREFIX: a literal because the library may not be importable here
# (tests.harness_tests checks the two agree)
EMBEDDED_PREFIX = "rhosocial-pg-embedded-"

_lock = threading.RLock()
_servers: List[ServerHandle] = []
_hooks_installed = False


def temp_base() -> str:
    """Folder holding the harness's temp dirs (RHOSOCIAL_PG_TMPDIR, else the system temp dir)."""
    return os.environ.get("RHOSOCIAL_PG_TMPDIR") or tempfile.gettempdir()


def temp_prefix(kind: str) -> str:
    """``rhopg-<kind>-p<our pid>-``: recognisable, and tells whose it is."""
    return f"{TEMP_PREFIX}{kind}-p{os.getpid()}-"


def make_temp_dir(kind: str) -> Path:
    """A fresh ``<tmp>/rhopg-<kind>-p<pid>-XXXX`` folder: the prefix is how leftovers are recognised."""
    return Path(tempfile.mkdtemp(prefix=temp_prefix(kind), dir=temp_base()))


def _markers() -> List[str]:
    """Path prefixes of our temp dirs: the harness's in temp_base(), EmbeddedPostgres's in the
    system temp dir (where the demo puts it) and in temp_base()."""
    bases = dict.fromkeys((temp_base(), tempfile.gettempdir()))
    return [os.path.join(temp_base(), TEMP_PREFIX)] + [os.path.join(b, EMBEDDED_PREFIX) for b in bases]


def owner_pid(path: str) -> Optional[int]:
    """The pid encoded in a harness/embedded temp dir name (None for names without one)."""
    prefixes = "|".join(re.escape(p) for p in (TEMP_PREFIX, EMBEDDED_PREFIX))
    match = re.search(r"(?:^|/)(?:" + prefixes + r")(?:[^/]*?-)?p(\d+)-", path)
    return int(match.group(1)) if match else None


def _owned_by_live_process(path: str) -> bool:
    """Owner alive, or unknown (no pid in the name): either way not ours to kill by default."""
    pid = owner_pid(path)
    return pid is None or _alive(pid)


def track(handle: ServerHandle) -> ServerHandle:
    """Register a started server; its ``stop`` becomes idempotent and unregisters it."""
    original_stop = handle.stop
    done = threading.Event()

    def stop() -> None:
        if done.is_set():
            return
        done.set()
        try:
            original_stop()
        finally:
            with _lock:
                if handle in _servers:
                    _servers.remove(handle)

    handle.stop = stop
    with _lock:
        _servers.append(handle)
    return handle


def running_servers() -> List[ServerHandle]:
    with _lock:
        return list(_servers)


def stop_all() -> List[str]:
    """Stop every tracked server (newest first, so standbys go before primaries); return errors."""
    errors = []
    for handle in reversed(running_servers()):
        try:
            handle.stop()
        except Exception as exc:  # keep stopping the others
            errors.append(f"{handle.provider}:{handle.port}: {exc!r}")
    return errors


def _signal_handler(signum, frame):
    stop_all()
    previous = _previous_handlers.get(signum)
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_IGN:
        return
    else:  # SIG_DFL: die the way the signal asked, now that servers are gone
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


_previous_handlers: dict = {}


def install_cleanup_hooks() -> None:
    """atexit + SIGTERM/SIGINT/SIGHUP handlers that stop all tracked servers (once per process).

    SIGHUP (terminal closed) too: otherwise EmbeddedPostgres would put its own handler there,
    which turns the signal into SystemExit, and pytest reports that as a test failure and
    carries on instead of ending."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            previous = signal.getsignal(signum)
            if previous == signal.SIG_IGN:  # e.g. a background job: the parent wants us to ignore it
                continue
            _previous_handlers[signum] = previous
            signal.signal(signum, _signal_handler)
        except (ValueError, OSError):
            pass


# -- leftovers ----------------------------------------------------------------------

def _read_cmdline(pid: str) -> List[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _alive(pid: int) -> bool:
    """True if the process exists and is not a zombie (PID 1 here may not reap orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _data_dir_arg(argv: List[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "-D" and i + 1 < len(argv):
            return argv[i + 1].strip('"')
        if arg.startswith("-D"):
            return arg[2:].strip('"')
    return ""


def _selected(path: str, include_live: bool, owner: Optional[int]) -> bool:
    if owner is not None:
        return owner_pid(path) == owner
    return include_live or not _owned_by_live_process(path)


def harness_postmasters(include_live: bool = False, owner: Optional[int] = None) -> List[tuple]:
    """(pid, cmdline) of running postmasters whose data dir is a harness (or embedded) temp dir.

    Without ``include_live``, only those whose owning harness process has exited;
    ``owner`` restricts to the servers of one harness process (dead or alive).
    """
    markers = tuple(_markers())
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        argv = _read_cmdline(pid)
        if not argv or os.path.basename(argv[0]) not in ("postgres", "postmaster"):
            continue
        data_dir = _data_dir_arg(argv)
        if data_dir.startswith(markers) and _selected(data_dir, include_live, owner):
            found.append((int(pid), " ".join(argv)))
    return found


def harness_temp_dirs(include_live: bool = False, owner: Optional[int] = None) -> List[str]:
    paths = set()
    for marker in _markers():
        base, prefix = os.path.split(marker)
        try:
            paths.update(os.path.join(base, n) for n in os.listdir(base) if n.startswith(prefix))
        except OSError:
            continue
    return sorted(p for p in paths if _selected(p, include_live, owner))


def leftovers(include_live: bool = False, owner: Optional[int] = None) -> List[str]:
    """Harness postmasters still running and harness temp dirs still present, as readable lines.

    By default only orphans (their harness process is gone); ``include_live`` adds the
    servers of sessions still running (yours or someone else's on a shared machine);
    ``owner`` restricts to what one harness process (by pid) started.
    """
    items = [f"process {pid}: {cmd}" for pid, cmd in harness_postmasters(include_live, owner)]
    items += [f"directory {path}" for path in harness_temp_dirs(include_live, owner)]
    return items


def clean_leftovers(include_live: bool = False, owner: Optional[int] = None) -> List[str]:
    """Kill orphaned harness postmasters (SIGQUIT, then SIGKILL) and delete their temp dirs."""
    done = []
    for pid, cmd in harness_postmasters(include_live, owner):
        for sig, wait in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 2.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
            if not _alive(pid):
                break
        done.append(f"killed {pid}: {cmd}")
    for path in harness_temp_dirs(include_live, owner):
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed {path}")
    return done
