"""A list or mapping setting that is not JSON (the API's tokens, the notifier's subscriptions, build args, an app's
pinned ports) stops the service with one line naming its variable, never a traceback, never the value.

pydantic-settings decodes such a variable before validation and raises its own SettingsError ("error parsing
value for field ..."), which is no ValidationError: the start-up check let it through as a traceback that named a
field, not the variable to fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.failed_start import failed_start
from tests.ports import free_port

SECRET = "s3cret-value-8812-never-shown"
# service, variable, a value that is not JSON (truncated, or plain text)
CASES = {
    "approval tokens": ("approval", "GREENLIGHT_API_TOKENS", f'[{{"name": "ci", "token_sha256": "{SECRET}"'),
    "notifier subscriptions": ("notifier", "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS",
                               f'[{{"id": "a", "url": "https://x.example/", "secret": "{SECRET}"}}'),
    "builder build args": ("builder", "GREENLIGHT_BUILDER_BUILD_ARGS", f"TOKEN={SECRET}"),
    "deployer's local platform, nested": ("deployer", "GREENLIGHT_LOCAL_APP_PORTS", f"{{tmapp: {SECRET}}}"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_setting_that_is_not_json_is_one_line_naming_it(case: str, tmp_path: Path) -> None:
    service, variable, value = CASES[case]
    last, output = failed_start(service, {
        variable: value,
        # Nothing listens there: should the settings pass, the service must not reach anyone's broker or database.
        "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "GREENLIGHT_PLATFORM": "local", "GREENLIGHT_LOCAL_STATE_DIR": str(tmp_path / "platform"),
        "GREENLIGHT_LOCAL_HAPROXY_DIR": str(tmp_path / "haproxy"),
    })
    assert last.startswith(f"greenlight: {variable} is not valid JSON"), last
    assert last.endswith("fix it in the environment"), last
    assert SECRET not in output
