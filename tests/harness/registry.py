"""Every server the harness starts is tracked here so that nothing outlives the test run.

Why: a test run that crashes, is interrupted (Ctrl-C, CI timeout sending SIGTERM) or
forgets a server would otherwise leave postmasters and data dirs behind, and the next
run on a CI machine fights them for memory and ports. Cleanup therefore happens from
three places: pytest_sessionfinish, atexit, and SIGTERM/SIGINT handlers. What still
survives (e.g. after SIGKILL) is found by :func:`leftovers`, which recognises the
harness's temp dirs by their prefix (``<tmp>/rhopg-*``) and postmasters by ``-D`` paths
inside them; :func:`clean_leftovers` removes them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import List

from .handle import ServerHandle

TEMP_PREFIX = "rhopg-"

_lock = threading.RLock()
_servers: List[ServerHandle] = []
_hooks_installed = False


def temp_base() -> str:
    """Folder holding the harness's temp dirs (RHOSOCIAL_PG_TMPDIR, else the system temp dir)."""
    return os.environ.get("RHOSOCIAL_PG_TMPDIR") or tempfile.gettempdir()


def make_temp_dir(kind: str) -> Path:
    """A fresh ``<tmp>/rhopg-<kind>-XXXX`` folder: the prefix is how leftovers are recognised."""
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{kind}-", dir=temp_base()))


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
    """atexit + SIGTERM/SIGINT handlers that stop all tracked servers (once per process)."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            _previous_handlers[signum] = signal.getsignal(signum)
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


def harness_postmasters() -> List[tuple]:
    """(pid, cmdline) of running postmasters whose data dir is a harness temp dir."""
    marker = os.path.join(temp_base(), TEMP_PREFIX)
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        argv = _read_cmdline(pid)
        if not argv or os.path.basename(argv[0]) not in ("postgres", "postmaster"):
            continue
        if any(arg.startswith(marker) or f'"{marker}' in arg for arg in argv):
            found.append((int(pid), " ".join(argv)))
    return found


def harness_temp_dirs() -> List[str]:
    base = temp_base()
    try:
        names = os.listdir(base)
    except OSError:
        return []
    return sorted(os.path.join(base, n) for n in names if n.startswith(TEMP_PREFIX))


def leftovers() -> List[str]:
    """Human-readable list of harness postmasters still running and harness temp dirs still present."""
    items = [f"process {pid}: {cmd}" for pid, cmd in harness_postmasters()]
    items += [f"directory {path}" for path in harness_temp_dirs()]
    return items


def clean_leftovers() -> List[str]:
    """Kill harness postmasters (SIGQUIT, then SIGKILL) and delete harness temp dirs; return what was done."""
    done = []
    for pid, cmd in harness_postmasters():
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
    for path in harness_temp_dirs():
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed {path}")
    return done
