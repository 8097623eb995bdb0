"""A repository's `.gitattributes` cannot make the builder's checkout run a filter program of the host's.

What was wrong: git reads filter drivers (`filter.<name>.smudge` / `.process`) from configuration and
which paths use them from the checked-out tree's `.gitattributes`. The builder's git ignored the system
config and hooks, but read the builder account's global `~/.gitconfig`, where `git lfs install` (and many
a CI image) puts `filter.lfs.process = git-lfs filter-process`. So a hostile repository's one-line
`.gitattributes` (`* filter=lfs`) chose to run that program on every file of its checkout: with git-lfs,
a download from whatever server the repository's own `.lfsconfig` names, past the host and address
checks every other fetch goes through. Shown below with a filter that leaves a canary file.

Now the clone's own `.git/info/attributes`, which outranks every `.gitattributes`, unsets `filter` for
all paths: files are checked out as committed, with no program run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


@pytest.mark.parametrize("scheme", ["", "file://"], ids=["borrowed", "fetched"])
@pytest.mark.parametrize("kind", ["smudge", "process"])
async def test_a_filter_in_the_hosts_git_config_is_not_run_by_the_checkout(
        builder, tap: EventTap, tmp_path: Path, app_name: str, monkeypatch: pytest.MonkeyPatch,
        scheme: str, kind: str) -> None:
    canary = tmp_path / "filter-ran"
    host_config = tmp_path / "host-gitconfig"
    host_config.write_text(f'[filter "lfs"]\n\t{kind} = "touch {canary}; exit 1"\n\trequired = false\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(host_config))  # as the builder account's ~/.gitconfig
    repo, sha = make_repo(tmp_path / "repo", app_files(**{".gitattributes": "* filter=lfs\n"}))

    async with builder() as app:
        await app[BUS].publish(request(f"{scheme}{repo.path}", sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    assert not canary.exists(), "the checkout ran a filter program the repository asked for"
