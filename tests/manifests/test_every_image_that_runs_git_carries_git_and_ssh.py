"""Every service image whose code runs git carries git, and ssh for the `ssh://` repositories config.yaml allows.

service.Dockerfile installed git in the builder's image only ("only the builder clones repositories"), but the API
resolves a branch, tag or HEAD with `git ls-remote` (POST /releases, every push hook): in its image that raised
FileNotFoundError, a 500 for each such request under Kubernetes and compose. And git came with
`--no-install-recommends`, which leaves out ssh (a Recommends of Debian's git), so no image could reach the `ssh://*`
repositories k8s/config.yaml allows and services/shared/git_target.py drives through `ssh`.

Which services run git is read from the code (the modules that spawn it, loaded by the service's app); what an image
installs, by running the final stage's RUN under sh with `apt-get` and the user tools stubbed.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

from tests.manifests.dockerfile_parse import stages
from tests.manifests.repo_files import DOCKERFILES, REPO, SERVICES, applied_objects, named

GIT_RUNNERS = ("services.shared.sources", "services.builder.git_runner")
STUBS = ("apt-get", "groupadd", "useradd", "rm")


@functools.cache
def runs_git(service: str) -> bool:
    probe = (f"import importlib, sys; importlib.import_module('services.{service}.app'); "
             f"print(any(m in sys.modules for m in {GIT_RUNNERS!r}))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def installed(service: str, tmp_path: Path) -> set[str]:
    """The packages the final stage's RUN instructions hand `apt-get install` when built for `service`."""
    *_, final = stages(DOCKERFILES / "service.Dockerfile")
    log = tmp_path / "apt-get.log"
    for name in STUBS:
        stub = tmp_path / name
        stub.write_text(f'#!/bin/sh\n[ "${{0##*/}}" = apt-get ] && echo "$@" >> {log}\nexit 0\n')
        stub.chmod(0o755)
    for run in (i.args for i in final if i.keyword == "RUN"):
        done = subprocess.run(["/bin/sh", "-c", run], env={"PATH": str(tmp_path), "SERVICE": service},
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines() if log.exists() else []
    return {word for line in lines if line.startswith("install") for word in line.split()[1:]
            if not word.startswith("-")}


def test_the_api_and_the_builder_run_git() -> None:
    assert {s for s in SERVICES if runs_git(s)} >= {"approval", "builder"}


@pytest.mark.parametrize("service", list(SERVICES))
def test_an_image_that_runs_git_carries_it(service: str, tmp_path: Path) -> None:
    if runs_git(service):
        assert "git" in installed(service, tmp_path), f"greenlight/{service} runs git but its image has none"


@pytest.mark.parametrize("service", list(SERVICES))
def test_an_image_that_runs_git_can_reach_ssh_repositories(service: str, tmp_path: Path) -> None:
    allowed = named(applied_objects(), "ConfigMap", "greenlight-config")["data"]["GREENLIGHT_REPOSITORY_ALLOW"]
    if runs_git(service) and "ssh://" in allowed:
        assert "openssh-client" in installed(service, tmp_path), (
            f"config.yaml allows ssh:// repositories, but greenlight/{service}'s git has no ssh")
