"""A mistake in GREENLIGHT_API_TOKENS_FILE stops the API without printing what the file holds.

The file is the secrets file: an operator who writes a token where its sha256 belongs, names the field `token`, or
leaves a trailing comma has a token in it. Pydantic's error, raised as a traceback at start, quoted the value it
refused (`input_value='<the token>'`, for invalid JSON the whole file), so the token went to the service's log
(`kubectl logs`, the log shipper). GREENLIGHT_API_TOKENS, read as a setting, already said only which entry and why;
the file now does the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.failed_start import failed_start
from tests.ports import free_port

TOKEN = "s3cr3t-raw-token-value-0123456789"
MISTAKES = {
    "the token where its digest belongs": f'[{{"name": "alice", "roles": ["approver"], "token_sha256": "{TOKEN}"}}]',
    "a field named token": f'[{{"name": "alice", "roles": ["approver"], "token": "{TOKEN}"}}]',
    "invalid JSON": f'[{{"name": "alice", "roles": ["approver"], "token_sha256": "{TOKEN}",}}]',
}


@pytest.mark.parametrize("content", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_bad_tokens_file_stops_the_start_without_its_content(tmp_path: Path, content: str) -> None:
    secrets = tmp_path / "tokens.json"
    secrets.write_text(content)
    last, output = failed_start("approval", {
        "GREENLIGHT_API_TOKENS_FILE": str(secrets), "GREENLIGHT_API_PORT": str(free_port()),
        # Nothing listens there: the file is read before the broker or the database is reached.
        "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"}, timeout=30)
    assert TOKEN not in output and TOKEN[:12] not in output, output
    assert last.startswith("greenlight: GREENLIGHT_API_TOKENS_FILE"), last
