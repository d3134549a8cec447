"""A real ``ldn-cds serve`` on a free loopback port, in a subprocess, always stopped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        time.sleep(0.3)  # let uvicorn flush its last access line
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(log: Path, *options: str, serve_options: tuple[str, ...] = ()) -> Iterator[Server]:
    """``ldn-cds [OPTIONS] serve [SERVE_OPTIONS]`` on a free loopback port, stopped on
    leaving."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("ldn-cds")), *options, "serve",
             "--host", "127.0.0.1", "--port", str(port), *serve_options],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/cds-services", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ldn-cds serve did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("serve") / "serve.log") as started:
        yield started


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c
