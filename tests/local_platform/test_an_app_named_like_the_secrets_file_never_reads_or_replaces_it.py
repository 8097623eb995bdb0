"""An app whose state file would be the local secrets file is refused; the file is neither shown nor replaced.

An app's state file is `<state_dir>/<app>.json` and the secrets file defaults to `<state_dir>/secrets.json`
(scripts/demo.sh puts the Ticketmaster key there). An app named `secrets`, a valid name, read the secrets file as its
record: pydantic's ValidationError quoted the values, and the deployer logged it and put it, key and all, in the
release's failure reason ("deployer gave up: ValidationError(... 'ticketmaster-api-key': '...')"). With no secrets
file yet, the app's record was written there, for the operator's secrets to replace later (its ports, marks and live
pointer lost), or to be read as secrets by every other app.
"""

from __future__ import annotations

import json

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef, PlatformError
from tests.local_platform.fixtures import local_platform

APP = AppRef("secrets", AppSpec(replicas=1))  # the name the default secrets file gives away


async def test_the_secrets_file_is_never_read_as_the_apps_record(local_settings: LocalSettings, test_id: str) -> None:
    secrets = {"tmapp-secrets": {"ticketmaster-api-key": f"key-{test_id}"}}
    local_settings.state_dir.mkdir(parents=True)
    local_settings.secrets_path.write_text(json.dumps(secrets))
    async with local_platform(local_settings) as platform:
        with pytest.raises((PlatformError, ValueError)) as refused:
            await platform.ensure_app(APP)

    message = str(refused.value)
    assert f"key-{test_id}" not in message, f"the secrets file's values shown: {message}"
    assert isinstance(refused.value, PlatformError) and str(local_settings.secrets_path) in message, message
    assert json.loads(local_settings.secrets_path.read_text()) == secrets


async def test_the_apps_record_never_takes_the_secrets_files_place(local_settings: LocalSettings) -> None:
    async with local_platform(local_settings) as platform:
        try:
            with pytest.raises(PlatformError, match="secrets file"):
                await platform.ensure_app(APP)
        finally:  # routed by HAProxy only where the app was taken on
            if (slot := await platform.router.claimed(APP.name)) is not None:
                await platform.router.detach(APP.name, slot)

    assert not local_settings.secrets_path.exists(), local_settings.secrets_path.read_text()
