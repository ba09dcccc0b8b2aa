"""DB_SSL=true verifies the server certificate and the host name against DB_SSL_CA_PATH."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings
from psadmin.demo.servers import DEBIAN_PG15_BIN, PG_SYSTEM_USER, PostgresCluster
from psadmin.models.errors import BackendError, FailureKind
from tests.integration.helpers import clean_env


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(directory: Path, name: str) -> Path:
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.pem",
        "-subj",
        f"/CN={name}",
        cwd=directory,
    )
    return directory / f"{name}.pem"


def make_server_cert(directory: Path, ca: str, san: str) -> tuple[Path, Path]:
    (directory / "san.ext").write_text(f"subjectAltName={san}\n")
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=psadmin-test-server",
        cwd=directory,
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        f"{ca}.pem",
        "-CAkey",
        f"{ca}.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        cwd=directory,
    )
    key = directory / "server.key"
    key.chmod(0o600)
    if os.geteuid() == 0:  # the server runs as its own user and must own its key
        user = pwd.getpwnam(PG_SYSTEM_USER) if _user_exists() else None
        if user is not None:
            os.chown(key, user.pw_uid, user.pw_gid)
            os.chown(directory / "server.crt", user.pw_uid, user.pw_gid)
    directory.chmod(0o755)
    return directory / "server.crt", key


def _user_exists() -> bool:
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        return False
    return True


@dataclass
class TlsServer:
    cluster: PostgresCluster
    ca: Path
    other_ca: Path

    def env(self, ca: Path, host: str = "localhost") -> dict[str, str]:
        return {
            "DB_HOST": host,
            "DB_PORT": str(self.cluster.port),
            "DB_NAME": "postgres",
            "DB_USER": "postgres",
            "DB_SSL": "true",
            "DB_SSL_CA_PATH": str(ca),
        }


def start_tls_cluster(tmp_path: Path, san: str) -> Iterator[TlsServer]:
    # starting once without TLS creates the system user the key must belong to
    cluster = PostgresCluster(DEBIAN_PG15_BIN, tmp_path / "pg", preload=())
    cluster.start()
    cluster.stop()
    certs = tmp_path / "certs"
    certs.mkdir()
    ca = make_ca(certs, "test-ca")
    other = make_ca(certs, "other-ca")
    cert, key = make_server_cert(certs, "test-ca", san)
    cluster.settings.update({"ssl": "on", "ssl_cert_file": str(cert), "ssl_key_file": str(key)})
    cluster.start()
    try:
        yield TlsServer(cluster, ca, other)
    finally:
        cluster.stop()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    yield from start_tls_cluster(tmp_path, "DNS:localhost,IP:127.0.0.1")


@pytest.fixture
def misnamed_tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    yield from start_tls_cluster(tmp_path, "DNS:db.example.invalid")


def backend_from_env(env: dict[str, str]) -> LiveBackend:
    return LiveBackend(resolve_settings(Overrides(), env, Profile()))


async def test_verified_tls_connection(tls_server: TlsServer) -> None:
    backend = backend_from_env(tls_server.env(tls_server.ca))
    try:
        await backend.connect()
        encrypted = await backend._run(
            lambda c: c.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        )
    finally:
        await backend.close()
    assert encrypted is True


async def test_untrusted_certificate_is_refused(tls_server: TlsServer) -> None:
    backend = backend_from_env(tls_server.env(tls_server.other_ca))
    try:
        with pytest.raises(BackendError) as info:
            await backend.connect()
    finally:
        await backend.close()
    assert info.value.kind is FailureKind.DISCONNECTED
    assert "certificate verify failed" in info.value.message


async def test_host_name_mismatch_is_refused(misnamed_tls_server: TlsServer) -> None:
    backend = backend_from_env(misnamed_tls_server.env(misnamed_tls_server.ca))
    try:
        with pytest.raises(BackendError) as info:
            await backend.connect()
    finally:
        await backend.close()
    assert "certificate verify failed" in info.value.message
    assert "Hostname mismatch" in info.value.message


def test_cli_exits_3_with_one_line_on_an_untrusted_server(tls_server: TlsServer) -> None:
    env = clean_env() | tls_server.env(tls_server.other_ca)
    result = subprocess.run(
        [sys.executable, "-m", "psadmin", "snapshot", "overview"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1
    assert "certificate verify failed" in result.stderr
