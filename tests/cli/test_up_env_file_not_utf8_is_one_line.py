"""`greenlight up --env-file` with a file saved in Latin-1 (an editor's default on some systems: `café` as 0xE9)
ended in a UnicodeDecodeError traceback from python-dotenv. It is one line naming the file and the line to fix, and
nothing is started."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app


def test_a_latin1_env_file_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "stack.env"
    path.write_bytes(b"GREENLIGHT_BUILDER_PORT=8101\n# the caf\xe9 on the corner\nGREENLIGHT_X=1\n")
    result = CliRunner().invoke(app, ["up", "--only", "builder", "--env-file", str(path)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: env file {path} is not UTF-8 text (line 2): save it as UTF-8\n"
    assert result.stdout == ""
