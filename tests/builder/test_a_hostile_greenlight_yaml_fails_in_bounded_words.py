"""A greenlight.yaml made to multiply its own errors fails its release at `spec` at once, in a few words.

Pins: a greenlight.yaml holding more than MAX_SPEC_VALUES values once its YAML aliases are expanded is refused
unvalidated, and an invalid one's reason lists its first MAX_SPEC_PROBLEMS problems and counts the rest.

Why: the repository is hostile and its greenlight.yaml is validated on the builder's event loop. YAML aliases let a
13 kB file list one mapping of 1,000 unknown keys 1,000 times as analysis checks: validation made 1,000,000 errors
(4 s of the event loop, 1.5 GB; the 256 KiB a greenlight.yaml may be would take far more, and a builder killed for
its memory is handed the same message again), and the reason named every one: 55 MB. A 1.6 kB file made a 1 MB
reason, which a `failed` event carries twice: readers refuse an event over 1 MB, so the release was never failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.appspec import MAX_SPEC_PROBLEMS, MAX_SPEC_VALUES, AppSpec, AppSpecError, parse_app_spec
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


def aliased_checks(keys: int, copies: int) -> str:
    """One mapping of `keys` unknown keys, listed `copies` times as checks: keys x copies errors."""
    mapping = "m: &m {" + ", ".join(f"k{i}: 1" for i in range(keys)) + "}\n"
    return mapping + "analysis: {pre: [" + ", ".join(["*m"] * copies) + "]}\n"


def many_unknown_keys(count: int) -> str:
    return "".join(f"k{i}: 1\n" for i in range(count))


def test_aliases_expanded_past_the_bound_are_refused_unvalidated(monkeypatch: pytest.MonkeyPatch) -> None:
    validated: list[object] = []
    real = AppSpec.model_validate
    monkeypatch.setattr(AppSpec, "model_validate", lambda *args, **kwargs: validated.append(args) or real(
        *args, **kwargs))
    with pytest.raises(AppSpecError, match=f"more than {MAX_SPEC_VALUES} values"):
        parse_app_spec(aliased_checks(1000, 1000))
    # Not by its time (0.5 s was passed on a busy machine): validation, the seconds and gigabytes, never ran.
    assert validated == []


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(AppSpecError, match=f"more than {MAX_SPEC_VALUES} values"):
        parse_app_spec("env: &loop {A: *loop}\n")


def test_the_reason_lists_the_first_problems_and_counts_the_rest() -> None:
    with pytest.raises(AppSpecError) as raised:
        parse_app_spec(many_unknown_keys(500))
    reason = str(raised.value)
    assert reason.count("Extra inputs are not permitted") == MAX_SPEC_PROBLEMS
    assert reason.endswith(f"(and {500 - MAX_SPEC_PROBLEMS} more problems)"), reason[-200:]


@pytest.mark.parametrize("spec", [aliased_checks(100, 200), many_unknown_keys(3000)], ids=["aliases", "keys"])
async def test_the_release_fails_at_spec_with_an_event_readers_take(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str, spec: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(**{"greenlight.yaml": spec}))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=30)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None and error.step == "spec", error
    assert len(error.reason) < 4096, len(error.reason)
    assert engine.builds == []
