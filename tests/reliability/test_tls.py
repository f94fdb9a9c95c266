"""TLS for real: a server with a throwaway CA (tests/harness/tls.py), sslmode=verify-full,
wrong CA, wrong host name, client-certificate authentication (hostssl ... cert)."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError

from tests.harness.tls import make_pki

from .conftest import Api, admin_connect, make_backend, run, start_local_or_skip

CERT_USER = "certuser"


@pytest.fixture(scope="module")
def tls_setup(pg_server_factory):
    pki = make_pki(server_names=("localhost",), client_names=(CERT_USER, "intruder"))
    other = make_pki(server_names=("localhost",), client_names=(CERT_USER,), ca_name="some other CA")
    server = start_local_or_skip(
        pg_server_factory,
        extra_conf=pki.server_conf(),
        hba_lines=[
            f"hostssl all {CERT_USER} 127.0.0.1/32 cert",
            "hostnossl all all 127.0.0.1/32 reject",
        ])
    with admin_connect(server) as conn:
        conn.execute(f"CREATE ROLE {CERT_USER} LOGIN")
    yield server, pki, other
    pki.cleanup()
    other.cleanup()


def _api(flavour, server, **kwargs) -> Api:
    from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig

    base = dict(host="localhost", port=server.port, database="postgres", username=server.user,
                password=server.password, connect_timeout=5)
    base.update(kwargs)
    return Api(make_backend(flavour, PostgresConnectionConfig(**base)), flavour)


async def _tls_facts(api: Api) -> dict:
    rows = await api.rows("SELECT ssl, version, current_user AS who FROM pg_stat_ssl "
                          "WHERE pid = pg_backend_pid()")
    return rows[0]


def test_verify_full_with_right_ca_and_name(flavour, tls_setup):
    server, pki, _other = tls_setup
    api = _api(flavour, server, sslmode="verify-full", sslrootcert=str(pki.ca_cert))

    async def body():
        facts = await _tls_facts(api)
        assert facts["ssl"] is True and facts["version"].startswith("TLS")
        await api.disconnect()

    run(body())


def test_verify_full_refuses_wrong_ca(flavour, tls_setup):
    server, _pki, other = tls_setup
    api = _api(flavour, server, sslmode="verify-full", sslrootcert=str(other.ca_cert))

    async def body():
        with pytest.raises(ConnectionError) as info:
            await api.connect()
        assert "certificate verify failed" in str(info.value)
        assert server.password not in str(info.value)

    run(body())


def test_verify_full_refuses_wrong_host_name(flavour, tls_setup):
    server, pki, _other = tls_setup

    async def body():
        wrong_name = _api(flavour, server, host="127.0.0.1", sslmode="verify-full", sslrootcert=str(pki.ca_cert))
        with pytest.raises(ConnectionError) as info:
            await wrong_name.connect()
        assert "does not match host name" in str(info.value)
        # the same CA without the name check connects: the name was the only problem
        ca_only = _api(flavour, server, host="127.0.0.1", sslmode="verify-ca", sslrootcert=str(pki.ca_cert))
        assert (await _tls_facts(ca_only))["ssl"] is True
        await ca_only.disconnect()

    run(body())


def test_sslmode_disable_is_rejected_by_hostnossl_rule(flavour, tls_setup):
    """Proves the TLS settings reach libpq: without TLS the server refuses us."""
    server, _pki, _other = tls_setup
    api = _api(flavour, server, sslmode="disable")

    async def body():
        with pytest.raises(ConnectionError) as info:
            await api.connect()
        assert "no encryption" in str(info.value) or "pg_hba.conf rejects" in str(info.value)

    run(body())


def test_client_certificate_authentication(flavour, tls_setup):
    server, pki, other = tls_setup
    crt, key = pki.client(CERT_USER)

    async def body():
        api = _api(flavour, server, username=CERT_USER, password=None, sslmode="verify-full",
                   sslrootcert=str(pki.ca_cert), sslcert=crt, sslkey=key)
        facts = await _tls_facts(api)
        assert facts["ssl"] is True and facts["who"] == CERT_USER
        await api.disconnect()
        # no client certificate: refused (cert auth, no password fallback)
        no_cert = _api(flavour, server, username=CERT_USER, password=None, sslmode="verify-full",
                       sslrootcert=str(pki.ca_cert), sslcert="/nonexistent.crt", sslkey="/nonexistent.key")
        with pytest.raises(ConnectionError):
            await no_cert.connect()
        # a certificate for another CN (same CA): refused
        wrong_cn_crt, wrong_cn_key = pki.client("intruder")
        intruder = _api(flavour, server, username=CERT_USER, password=None, sslmode="verify-full",
                        sslrootcert=str(pki.ca_cert), sslcert=wrong_cn_crt, sslkey=wrong_cn_key)
        with pytest.raises(ConnectionError) as info:
            await intruder.connect()
        assert "certificate authentication failed" in str(info.value)
        # a certificate with the right CN from another CA: refused
        foreign_crt, foreign_key = other.client(CERT_USER)
        foreign = _api(flavour, server, username=CERT_USER, password=None, sslmode="verify-full",
                       sslrootcert=str(pki.ca_cert), sslcert=foreign_crt, sslkey=foreign_key)
        with pytest.raises(ConnectionError):
            await foreign.connect()

    run(body())
