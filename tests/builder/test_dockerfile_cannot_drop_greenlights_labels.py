"""A repository's Dockerfile cannot drop or replace the labels Greenlight writes into its image.

On podman the labels are one `LABEL` line appended to the Dockerfile; a Dockerfile whose last line ends
with a line continuation (`\\`, or the character its `# escape=` directive names) swallowed that line into
its own last instruction: the image then carried only the repository's own labels, a build key and app
name of its choosing among them."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.buildkey import APP_LABEL, KEY_LABEL, REVISION_LABEL
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import REGISTRY, CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

FORGED = f'LABEL "{KEY_LABEL}"="sha256:forged" "{APP_LABEL}"="another-app" "{REVISION_LABEL}"="0000"\n'
DOCKERFILES = {
    "backslash": f"FROM {PINNED_BASE_IMAGE}\nCOPY app.txt /app.txt\n{FORGED}RUN true \\\n",
    "escape-directive": f"# escape=`\nFROM {PINNED_BASE_IMAGE}\nCOPY app.txt /app.txt\n{FORGED}RUN true `\n",
    "continuation-then-comment": f"FROM {PINNED_BASE_IMAGE}\n{FORGED}RUN true \\\n# a comment\n\n",
}


@pytest.mark.parametrize("dockerfile", DOCKERFILES.values(), ids=DOCKERFILES.keys())
async def test_greenlights_labels_survive_the_dockerfile(builder, tap: EventTap, engine: CountingEngine,
                                                         tmp_path: Path, app_name: str, dockerfile: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(dockerfile))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        done = await tap.wait("r1", S.BUILT, S.FAILED)

    if done.state == S.FAILED:  # refused, saying why, and nothing passed on
        error = done.release.error
        assert error is not None and error.step == "build" and "Greenlight's labels" in error.reason
        assert done.release.image is None
        return
    labels = await engine.image_labels(f"{REGISTRY}/{app_name}:{sha}")
    assert labels is not None
    assert (labels.get(KEY_LABEL), labels.get(APP_LABEL), labels.get(REVISION_LABEL)) == (
        done.details["build_key"], app_name, sha)
