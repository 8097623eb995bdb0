"""A kubeconfig's `proxy-url` password never reaches an error Greenlight shows.

The adapter described an unreachable API server with the exception's `repr`. Behind a proxy that refuses the
CONNECT (502 from a proxy whose upstream is down, 407), aiohttp's `ClientHttpProxyError` repr holds the request's
headers, `Proxy-Authorization: Basic <user:password in base64>`, and the proxy URL with the password in clear.
That text became `PlatformUnavailable`'s message: the release's `last_retry_error` and, past the retry budget, its
failure reason, in the release log, the database, the API and the dashboard. Now the error names the exception and
what the proxy answered, with any URL's password masked, and no headers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from services.shared.kube.opening import open_kube_platform
from services.shared.kube.settings import KubeSettings
from services.shared.platform import AppRef, PlatformUnavailable
from tests.ports import free_port

PASSWORD = "pr0xy-s3cret-pw"
TOKEN = "kube-t0ken-value"


@contextlib.asynccontextmanager
async def refusing_proxy(status: bytes) -> AsyncIterator[int]:
    """An HTTP proxy that answers every CONNECT with `status`, as one whose upstream is away does."""
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    port = free_port()
    server = await asyncio.start_server(answer, "127.0.0.1", port)
    async with server:
        yield port


def kubeconfig(path: Path, proxy_port: int) -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": "https://10.255.255.1:6443", "insecure-skip-tls-verify": True,
                                               "proxy-url": f"http://greenlight:{PASSWORD}@127.0.0.1:{proxy_port}"}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
    }))
    return path


@pytest.mark.parametrize("status", [b"502 Bad Gateway", b"407 Proxy Authentication Required"])
async def test_a_proxy_refusing_the_connection_shows_no_credential(tmp_path: Path, status: bytes) -> None:
    async with refusing_proxy(status) as port, \
            open_kube_platform(KubeSettings(kubeconfig=str(kubeconfig(tmp_path / "kubeconfig", port)))) as platform:
        with pytest.raises(PlatformUnavailable) as raised:
            await platform.read(AppRef("demo"))
    shown = str(raised.value)
    for secret in (PASSWORD, base64.b64encode(f"greenlight:{PASSWORD}".encode()).decode(), TOKEN):
        assert secret not in shown, shown
    assert "Proxy-Authorization" not in shown, shown
    assert shown.startswith("Kubernetes API unreachable: ClientHttpProxyError") and status[:3].decode() in shown, shown
