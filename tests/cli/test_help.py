"""Every command takes -h, every argument and option explains itself, and flags read as flags."""

from __future__ import annotations

import click
import pytest
import typer
from typer.testing import CliRunner

from services.cli.main import app

ROOT = typer.main.get_command(app)


def commands(group: click.Group = ROOT, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        # By what it has: typer may bring its own copy of click, whose groups are no `click.Group`.
        if hasattr(command, "commands"):
            found += commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


ALL = commands()


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "greenlight")
def test_dash_h_prints_help_without_type_placeholders(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "-h"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert "<bool>" not in result.stdout and "<str>  " not in result.stdout.split("Options:")[-1]
    assert "-h, --help" in result.stdout


@pytest.mark.parametrize(("path", "command"), [(p, c) for p, c in ALL if not hasattr(c, "commands")],
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_argument_and_option_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"{' '.join(path)} has no description"
    for param in command.params:
        assert getattr(param, "help", None), f"{' '.join(path)}: {param.name} has no help"


def test_a_flag_prints_as_a_flag() -> None:
    result = CliRunner().invoke(app, ["release", "create", "-h"], catch_exceptions=False)
    line = next(line for line in result.stdout.splitlines() if "--watch" in line)
    assert line.split()[:1] == ["--watch"] and line.split()[1] == "then"
