"""Throwaway TLS material for tests: a CA, a server certificate and client certificates.

Why the openssl CLI: it is on every machine that has PostgreSQL's build deps, and needs no
extra Python package. Everything lives in a temp folder that ``cleanup()`` removes.

    pki = make_pki(server_names=("localhost",), client_names=("certuser",))
    server_dir = pki.server_dir      # server.crt/server.key/root.crt, chown'd to the server user
    pki.client("certuser")           # (crt, key) paths, key 0600 owned by us (libpq checks)
    pki.ca_cert                      # the CA clients pass as sslrootcert
    other = make_pki()               # a different CA: verify-full must refuse the server

``server_conf()`` gives the postgresql.conf lines for the local provider's ``extra_conf``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Sequence, Tuple

from .errors import ProvisioningError

DAYS = "2"


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=str(cwd), capture_output=True, text=True)
    if result.returncode != 0:
        raise ProvisioningError(f"openssl {' '.join(args)} failed: {result.stderr.strip()}")


@dataclass
class Pki:
    root: Path
    ca_cert: Path
    ca_key: Path
    server_dir: Path
    clients: Dict[str, Tuple[Path, Path]] = field(default_factory=dict)

    def client(self, name: str) -> Tuple[str, str]:
        crt, key = self.clients[name]
        return str(crt), str(key)

    def server_conf(self) -> Dict[str, object]:
        return {
            "ssl": True,
            "ssl_cert_file": str(self.server_dir / "server.crt"),
            "ssl_key_file": str(self.server_dir / "server.key"),
            "ssl_ca_file": str(self.server_dir / "root.crt"),
        }

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _sign(pki_root: Path, ca_cert: Path, ca_key: Path, name: str, subject: str, san: str,
          out_dir: Path) -> Tuple[Path, Path]:
    key, csr, crt = out_dir / f"{name}.key", out_dir / f"{name}.csr", out_dir / f"{name}.crt"
    ext = out_dir / f"{name}.ext"
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-out", str(csr), "-subj", subject, cwd=pki_root)
    lines = ["basicConstraints=CA:FALSE", "keyUsage=digitalSignature,keyEncipherment"]
    if san:
        lines.append(f"subjectAltName={san}")
    ext.write_text("\n".join(lines) + "\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(crt), "-days", DAYS, "-sha256", "-extfile", str(ext), cwd=pki_root)
    csr.unlink()
    ext.unlink()
    os.chmod(key, 0o600)
    return crt, key


def make_pki(server_names: Sequence[str] = ("localhost",), server_ips: Iterable[str] = (),
             client_names: Sequence[str] = (), ca_name: str = "rhosocial test CA") -> Pki:
    """A fresh CA; a server cert for ``server_names`` (DNS SANs) and ``server_ips`` (IP SANs);
    a client cert (CN = role name) for each of ``client_names``."""
    if not shutil.which("openssl"):
        raise ProvisioningError("the openssl command is needed for TLS tests (apt-get install openssl)")
    from .registry import make_temp_dir

    root = make_temp_dir("tls")  # recognised (and cleaned) as a harness leftover if we die
    try:
        ca_key, ca_cert = root / "ca.key", root / "ca.crt"
        _openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", str(ca_key), "-out", str(ca_cert), "-days", DAYS, "-subj", f"/CN={ca_name}",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                 cwd=root)
        server_dir = root / "server"
        server_dir.mkdir()
        san = ",".join([f"DNS:{n}" for n in server_names] + [f"IP:{ip}" for ip in server_ips])
        crt, key = _sign(root, ca_cert, ca_key, "server", f"/CN={server_names[0] if server_names else 'server'}",
                         san, server_dir)
        shutil.copy(ca_cert, server_dir / "root.crt")
        client_dir = root / "client"
        client_dir.mkdir(mode=0o700)
        pki = Pki(root=root, ca_cert=ca_cert, ca_key=ca_key, server_dir=server_dir)
        for name in client_names:
            pki.clients[name] = _sign(root, ca_cert, ca_key, name, f"/CN={name}", "", client_dir)
        # The server process runs as the server user and insists on owning its key (0600).
        from .server_user import give_to_server_user

        give_to_server_user(server_dir)
        return pki
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
