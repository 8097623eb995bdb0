"""compose.yaml is valid against the official Compose Specification JSON schema (the copy vendored
by check-jsonschema, `vendor.compose-spec`), YAML anchors and merge keys included. No compose CLI
with `config` can run here (no Docker engine or compose plugin), so the schema is the check."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.manifests.repo_files import COMPOSE_FILE, run, venv_tool


def check(path: Path) -> tuple[int, str]:
    done = run(venv_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path))
    return done.returncode, done.stdout + done.stderr


def test_compose_file_matches_the_compose_specification() -> None:
    code, output = check(COMPOSE_FILE)
    assert code == 0, output


def test_the_schema_rejects_a_wrong_depends_on_condition(tmp_path: Path) -> None:
    # Guards the test above: the schema check must be able to fail.
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    compose["services"]["builder"]["depends_on"]["rabbitmq"]["condition"] = "service_ready"
    compose["services"]["builder"]["restart_policy"] = "always"
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(compose))
    code, output = check(broken)
    assert code != 0
    assert "depends_on" in output and "restart_policy" in output
