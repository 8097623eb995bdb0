"""Same commit, built twice without cache, pushed twice: the same image id and the same registry digest."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from services.builder.buildkey import build_key
from services.builder.context import make_context
from services.builder.engine import DockerEngine
from services.builder.git_runner import commit_time
from services.builder.image_builds import BuildRequest
from services.builder.inputs import read_spec
from services.pusher.engine import DockerPushEngine
from tests.builder.conftest import REGISTRY
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, docker_client, remove_images

# A RUN step writes a file at build time: without a fixed timestamp its mtime (and the image) would differ.
DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\nRUN echo built > /built.txt\nCOPY app.txt /app.txt\n"
MANIFEST = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"


async def test_same_commit_same_digest(engine_url: str, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE, "app.txt": "same\n"})
    spec = read_spec(repo.path)
    key = build_key(app_name, sha, repo.path, spec, {})
    epoch = await commit_time("git", repo.path)
    assert epoch is not None
    repository = f"{REGISTRY}/{app_name}"
    tags = [f"{repository}:one", f"{repository}:two"]
    ids: list[str] = []
    digests: list[str] = []
    seen: list[object] = []
    async with docker_client(engine_url) as docker:
        engine, pusher = DockerEngine(docker, timeout=300, tail_lines=20), DockerPushEngine(docker, timeout=300)
        try:
            for tag in tags:
                archive, dockerfile = await asyncio.to_thread(make_context, repo.path, spec, DOCKERFILE.encode(),
                                                              10_000_000)
                with archive:
                    ids.append(await engine.build(archive, BuildRequest(
                        tag=tag, dockerfile=dockerfile, labels=key.labels(), source_date_epoch=epoch,
                        no_cache=True)))
                info = await docker.images.inspect(ids[-1])
                seen.append((info["RootFS"]["Layers"], info.get("Created"), info.get("Config", {}).get("Labels")))
                await pusher.push(repository, tag.rsplit(":", 1)[1], {})
                async with httpx.AsyncClient() as client:
                    head = await client.head(f"http://{REGISTRY}/v2/{app_name}/manifests/{tag.rsplit(':', 1)[1]}",
                                             headers={"Accept": MANIFEST})
                digests.append(head.headers["Docker-Content-Digest"])
        finally:
            await remove_images(engine_url, tags)
    assert ids[0] == ids[1], seen  # layers, created time, labels of each build
    assert digests[0] == digests[1]
