"""A tiny loopback TCP proxy whose traffic can be black-holed, to simulate a network stall.

Why iptables: a user-space proxy that merely stops forwarding does not stall TCP (the
kernel still acknowledges what the peer sends, so neither keepalives nor tcp_user_timeout
ever fire). ``stall()`` adds iptables DROP rules for the proxy's own port on the loopback
interface only (client <-> proxy leg); the proxy <-> server leg stays healthy, so the
server keeps the session until the proxy closes it. ``close()`` removes the rules.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from typing import List, Optional, Tuple


def can_stall() -> Optional[str]:
    """None if stalls can be simulated here, else the reason why not."""
    if os.name != "posix" or os.geteuid() != 0:
        return "needs root (iptables)"
    if not shutil.which("iptables"):
        return "iptables not installed"
    probe = subprocess.run(["iptables", "-w", "-L", "INPUT", "-n"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"iptables unusable: {probe.stderr.strip()}"
    return None


class StallableProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._sockets: List[socket.socket] = []
        self._rules: List[Tuple[str, ...]] = []
        self._closed = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept_loop, daemon=True, name=f"proxy-{self.port}").start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stall(self) -> None:
        """Drop every packet to and from the proxy port on loopback (both directions)."""
        for rule in (("INPUT", "-i", "lo", "-p", "tcp", "--dport", str(self.port), "-j", "DROP"),
                     ("INPUT", "-i", "lo", "-p", "tcp", "--sport", str(self.port), "-j", "DROP")):
            subprocess.run(["iptables", "-w", "-I", *rule], check=True, capture_output=True)
            self._rules.append(rule)

    def unstall(self) -> None:
        while self._rules:
            rule = self._rules.pop()
            subprocess.run(["iptables", "-w", "-D", *rule], check=False, capture_output=True)

    def close(self) -> None:
        self.unstall()
        self._closed = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self._lock:
            for s in self._sockets:
                try:  # shutdown first: it wakes the pump blocked in recv() and sends FIN
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass
            self._sockets.clear()

    def __enter__(self) -> StallableProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
