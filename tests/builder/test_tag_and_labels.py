"""The image is tagged <registry>/<image>:<commit> and labelled; greenlight.yaml shapes the build."""

from __future__ import annotations

from pathlib import Path

from services.builder.buildkey import APP_LABEL, KEY_LABEL
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import REGISTRY, CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

DOCKERFILE = f"""FROM {PINNED_BASE_IMAGE}
ARG FROM_SETTINGS=unset
ARG FROM_SPEC=unset
ARG OVERRIDDEN=unset
COPY served.txt /served.txt
LABEL seen.settings=$FROM_SETTINGS seen.spec=$FROM_SPEC seen.overridden=$OVERRIDDEN
"""
SPEC = """
app: ignored-informational
dockerfile: build/Containerfile
context: web
image: team/{name}
port: 9090
build_args:
  FROM_SPEC: from-spec
  OVERRIDDEN: spec-wins
"""


async def test_tag_labels_and_spec(builder, builder_settings: BuilderSettings, tap: EventTap,
                                   engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {
        "build/Containerfile": DOCKERFILE, "web/served.txt": "hi\n",
        "greenlight.yaml": SPEC.format(name=app_name),
    })
    settings = builder_settings.model_copy(
        update={"build_args": {"FROM_SETTINGS": "from-settings", "OVERRIDDEN": "settings-lose"}})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name, ref="main"))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    tag = f"{REGISTRY}/team/{app_name}:{sha}"
    assert built.release.image == tag == built.details["image"]
    spec = built.release.spec
    assert spec is not None and (spec.port, spec.context, spec.image) == (9090, "web", f"team/{app_name}")
    labels = await engine.image_labels(tag)
    assert labels is not None
    # The build key and what it is made of, never the release id: that would change every digest.
    assert labels[KEY_LABEL] == built.details["build_key"] and labels[KEY_LABEL].startswith("sha256:")
    assert labels[APP_LABEL] == app_name
    assert labels["org.opencontainers.image.revision"] == sha
    assert "r1" not in labels.values()
    assert (labels["seen.settings"], labels["seen.spec"], labels["seen.overridden"]) == (
        "from-settings", "from-spec", "spec-wins")
    # The Dockerfile lives outside the context dir; it still built, as `docker build -f` would.
    assert engine.builds[0].dockerfile == ".greenlight.Dockerfile"
