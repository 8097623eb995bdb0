"""A kubeconfig whose user is an exec plugin (EKS's `aws eks get-token`, GKE's and AKS's plugins) hands out tokens
that expire (EKS: 15 minutes). kubernetes-asyncio ran the plugin once, at start: from then on every call carried the
dead token and the API server answered 401, a definite answer, so every release failed until the service was
restarted. The plugin is run again once its credential's `expirationTimestamp` is near (client-go's rule), and a
plugin that fails is a dependency away, not a refusal."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from services.shared.kube.client import Kind
from services.shared.kube.opening import open_kube_platform
from services.shared.kube.platform import KubePlatform
from services.shared.kube.settings import KubeSettings
from services.shared.platform import PlatformUnavailable
from tests.fake_k8s.server import FakeKube

# Prints an ExecCredential holding the token file's text, already within client-go's 5-minute renewal margin,
# and counts its runs; exits 1 when the token file is gone (the credential source is away).
PLUGIN = """
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
with (folder / "runs").open("a") as runs:
    runs.write("x")
token = folder / "token"
if not token.exists():
    sys.exit("no credentials: the identity provider is away")
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {"token": token.read_text(), "expirationTimestamp": sys.argv[2]}}))
"""



def exec_kubeconfig(fake_api: FakeKube, folder: Path) -> Path:
    (folder / "plugin.py").write_text(PLUGIN)
    (folder / "token").write_text(fake_api.token)
    expires = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = folder / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": fake_api.url}}],
        "users": [{"name": "greenlight", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
            "args": [str(folder / "plugin.py"), str(folder), expires], "interactiveMode": "Never"}}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "greenlight"}}],
    }))
    return path


async def namespaces(platform: KubePlatform) -> list[str]:
    response = await platform.api._core.list_namespace(_preload_content=False)
    async with response:
        assert response.status == 200, (response.status, await response.read())
        return [n["metadata"]["name"] for n in json.loads(await response.read())["items"]]


async def test_an_expired_exec_token_is_fetched_again(fake_api: FakeKube, tmp_path: Path) -> None:
    settings = KubeSettings(kubeconfig=str(exec_kubeconfig(fake_api, tmp_path)))
    async with open_kube_platform(settings) as platform:
        assert await platform.api.get(Kind.SERVICE, "default", "demo-service") is None

        # The credential expires: the API server takes only the plugin's new token.
        fake_api.token = "rotated-" + fake_api.token
        (tmp_path / "token").write_text(fake_api.token)
        assert await platform.api.get(Kind.SERVICE, "default", "demo-service") is None
        assert await namespaces(platform) == []  # every call of the client, not only the adapter's

        await asyncio.gather(*(platform.api.get(Kind.SERVICE, "default", f"s{i}") for i in range(5)))

        (tmp_path / "token").unlink()
        with pytest.raises(PlatformUnavailable, match="exec plugin"):
            await platform.api.get(Kind.SERVICE, "default", "demo-service")
