"""Server provider "containers": one PostgreSQL major in a container, via testcontainers.

Works with a real Docker engine (official ``postgres:N`` images, pulled as usual) and with
the podman set-up of ``tools/containers/setup.sh`` (images built locally and tagged
``docker.io/library/postgres:N``, so nothing is pulled). For the latter, the environment
fixes it needs are applied here as defaults, read from the env file setup.sh writes
(``$RHOSOCIAL_CONTAINERS_HOME/env.sh``), so tests run without sourcing it first.

Every container is labelled ``org.rhosocial.project=activerecord-postgres`` and named
``rhopg-<major>-<random>``: Ryuk is disabled under podman, so cleanup is ours
(``remove_all_project_containers()`` or ``tools/containers/teardown.sh``).
"""

from __future__ import annotations

import os
import secrets
import threading
import time

from tests.harness.handle import ServerHandle

PROJECT_LABEL = "org.rhosocial.project"
PROJECT_VALUE = "activerecord-postgres"
NAME_PREFIX = "rhopg-"
DEFAULT_HOME = "/var/tmp/rhopg-containers"
NO_ENGINE = "no container engine: run tools/containers/setup.sh (podman) or start Docker"


def _home() -> str:
    return os.environ.get("RHOSOCIAL_CONTAINERS_HOME", DEFAULT_HOME)


def _read_env_file(path: str) -> dict[str, str]:
    """The ``export K=V`` lines of setup.sh's env file (values are never quoted there)."""
    env: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("export ") and "=" in line:
                    key, _, value = line[len("export "):].partition("=")
                    env[key.strip()] = value.strip()
    except OSError:
        pass
    return env


def _uses_podman() -> bool:
    """True when DOCKER_HOST is (or will be) the socket of setup.sh's podman service."""
    return "podman" in os.environ.get("DOCKER_HOST", "")


def apply_env_defaults() -> None:
    """Fill in the environment testcontainers needs under podman; never override the user's.

    Without DOCKER_HOST and with setup.sh's env file present, the podman socket is used.
    Then: TESTCONTAINERS_CONNECTION_MODE=docker_host (a stray /.dockerenv would make
    testcontainers pick gateway mode) and TESTCONTAINERS_RYUK_DISABLED=true (the reaper
    image cannot be pulled).
    """
    file_env = _read_env_file(os.path.join(_home(), "env.sh"))
    if file_env and "DOCKER_HOST" not in os.environ:
        for key, value in file_env.items():
            os.environ.setdefault(key, value)
    if _uses_podman():
        os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


def _docker_client():
    """A docker-py client for the engine, or RuntimeError(NO_ENGINE) if there is none."""
    apply_env_defaults()
    try:
        import docker  # installed with testcontainers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(f"{NO_ENGINE} (and install testcontainers)") from exc
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # DockerException, requests' ConnectionError, FileNotFoundError...
        where = os.environ.get("DOCKER_HOST", "the default Docker socket")
        raise RuntimeError(f"{NO_ENGINE} ({where}: {exc})") from exc
    return client


def _image_for(major: int, client) -> str:
    image = f"postgres:{major}"
    if _uses_podman():
        # No registry is reachable from the podman set-up: a missing image would turn into a
        # slow, confusing pull error. With real Docker, let testcontainers pull as usual.
        import docker

        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            raise RuntimeError(
                f"image {image} is not built: run tools/containers/setup.sh {major}"
            ) from None
    return image


def _wait_for_tcp(handle: ServerHandle, deadline: float) -> None:
    """Readiness is probed inside the container; also wait for the published port, then
    record the server's version."""
    import psycopg

    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(handle.conninfo(), connect_timeout=5) as conn:
                num = int(conn.execute("SHOW server_version_num").fetchone()[0])
                handle.version_num = num
                handle.major = num // 10000
                return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"container server on {handle.host}:{handle.port} not reachable: {last}")


def start_container_server(
    major: int,
    *,
    user: str = "postgres",
    password: str | None = None,
    dbname: str = "postgres",
    timeout: float = 120.0,
) -> ServerHandle:
    """Start PostgreSQL ``major`` in a container and return a ready handle.

    The handle's ``stop`` removes the container (and its anonymous volumes); it is idempotent.
    Raises RuntimeError when no engine is reachable or the image is missing.
    """
    client = _docker_client()
    image = _image_for(major, client)

    try:  # after apply_env_defaults(): testcontainers reads its config at import
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers < 4.14
        from testcontainers.postgres import PostgresContainer

    password = password or secrets.token_urlsafe(12)
    container = PostgresContainer(
        image,
        username=user,
        password=password,
        dbname=dbname,
        driver=None,
        name=f"{NAME_PREFIX}{major}-{secrets.token_hex(4)}",
        labels={PROJECT_LABEL: PROJECT_VALUE, "org.rhosocial.pg.major": str(major)},
    )
    deadline = time.monotonic() + timeout
    try:
        container.start()
    except Exception:
        _quiet_stop(container)
        raise

    lock = threading.Lock()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        with lock:
            if not stopped:
                stopped = True
                _quiet_stop(container)

    host = container.get_container_host_ip()
    # "localhost" may resolve to ::1 first, while podman's slirp4netns forwards 127.0.0.1 only.
    if host == "localhost":
        host = "127.0.0.1"
    handle = ServerHandle(
        provider="containers",
        host=host,
        port=int(container.get_exposed_port(5432)),
        user=user,
        password=password,
        dbname=dbname,
        stop=stop,
    )
    try:
        _wait_for_tcp(handle, deadline)
    except Exception:
        stop()
        raise
    return handle


def _quiet_stop(container) -> None:
    """Remove the container; already gone is fine."""
    try:
        container.stop()
    except Exception:
        pass


def remove_all_project_containers() -> int:
    """Force-remove every container labelled as this project's; returns how many.

    Raises RuntimeError(NO_ENGINE) if the engine is unreachable.
    """
    client = _docker_client()
    removed = 0
    for c in client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={PROJECT_VALUE}"}):
        try:
            c.remove(force=True, v=True)
            removed += 1
        except Exception:
            pass  # removed concurrently
    return removed
