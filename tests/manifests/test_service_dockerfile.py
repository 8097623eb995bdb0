"""Dockerfiles/service.Dockerfile: one multi-stage image definition for the six services — base image
by build argument, wheels built in a build stage, only the venv copied into the final stage, a
numeric non-root user, git only in the builder's image, python as PID 1."""

from __future__ import annotations

import json

from tests.manifests.dockerfile_parse import Instruction, stages
from tests.manifests.repo_files import DOCKERFILES, SERVICES

SERVICE_DOCKERFILE = DOCKERFILES / "service.Dockerfile"


def keyword(stage: list[Instruction], name: str) -> list[str]:
    return [i.args for i in stage if i.keyword == name]


def test_base_image_is_a_build_argument_for_every_stage() -> None:
    preamble, *build_stages = stages(SERVICE_DOCKERFILE)
    assert keyword(preamble, "ARG") == ["BASE_IMAGE=python:3.11-slim"]
    assert len(build_stages) == 2
    froms = [keyword(stage, "FROM")[0] for stage in build_stages]
    assert froms == ["${BASE_IMAGE} AS build", "${BASE_IMAGE}"]


def test_wheels_are_built_in_the_build_stage_and_only_the_venv_is_copied() -> None:
    _, build, final = stages(SERVICE_DOCKERFILE)
    build_runs = " ".join(keyword(build, "RUN"))
    assert "pip wheel" in build_runs and "venv /opt/venv" in build_runs
    copies = keyword(final, "COPY")
    assert copies == ["--from=build /opt/venv /opt/venv"]
    assert "pip" not in " ".join(keyword(final, "RUN"))


def test_runs_as_a_numeric_non_root_user() -> None:
    _, _, final = stages(SERVICE_DOCKERFILE)
    users = keyword(final, "USER")
    assert users, "no USER in the final stage"
    uid, _, gid = users[-1].partition(":")
    assert uid == "10001" and gid == "10001"  # numeric, so runAsNonRoot can verify it
    order = [i.keyword for i in final]
    assert order.index("USER") > max(n for n, k in enumerate(order) if k == "RUN")


def test_git_is_installed_for_the_builder_and_only_with_a_condition() -> None:
    # The builder clones; the API resolves refs too (test_every_image_that_runs_git_carries_git_and_ssh.py).
    _, _, final = stages(SERVICE_DOCKERFILE)
    (service_arg,) = keyword(final, "ARG")
    name, _, default = service_arg.partition("=")
    assert name == "SERVICE" and default in SERVICES
    (install,) = [r for r in keyword(final, "RUN") if "apt-get install" in r]
    assert '[ "${SERVICE}" = "builder" ]' in install
    assert "git" in install.split("apt-get install", 1)[1]
    assert "rm -rf /var/lib/apt/lists/*" in install


def test_entrypoint_execs_python_for_the_selected_service() -> None:
    _, _, final = stages(SERVICE_DOCKERFILE)
    (entrypoint,) = keyword(final, "ENTRYPOINT")
    argv = json.loads(entrypoint)  # exec form: no shell left between the runtime and python
    assert argv[:2] == ["/bin/sh", "-c"]
    assert argv[2].startswith("exec python -m \"services.${GREENLIGHT_SERVICE}\"")
    env = " ".join(keyword(final, "ENV"))
    assert "GREENLIGHT_SERVICE=${SERVICE}" in env
    assert "GREENLIGHT_HTTP_HOST=0.0.0.0" in env  # probes come from outside the container
