"""`release create --from-release ID` redeploys that release's image, commit and repository. `--repo` and `--image`
beside it were refused, but a `--commit` was dropped without a word: the release requested was not of the commit
typed, and the command said nothing."""

from __future__ import annotations

import pytest

from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi, release_out


@pytest.mark.parametrize("extra", [["--commit", "abc1234"], ["--commit", "HEAD"], ["--repo", "."],
                                   ["--image", "r/x@sha256:" + "0" * 64]], ids=["sha", "head", "repo", "image"])
def test_a_source_beside_from_release_is_refused(stub: StubApi, extra: list[str]) -> None:
    stub.add(make_release("r1"))
    result = cli(stub, "release", "create", "--app", "demo", "--from-release", "r1", *extra)
    assert result.exit_code == 1
    assert result.stderr == ("error: --from-release takes the repository, commit and image of that release; drop "
                             "--repo, --commit and --image\n")
    assert stub.latest.keys() == {"r1"}  # nothing requested


def test_from_release_alone_is_requested(stub: StubApi) -> None:
    stub.canned["POST", "/releases"] = release_out(make_release("r2"))  # the stub's own route builds only
    result = cli(stub, "release", "create", "--app", "demo", "--from-release", "r1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("release r2 requested: demo at "), result.stdout
