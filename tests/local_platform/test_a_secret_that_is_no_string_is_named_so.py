"""A secrets-file value that is there but no string (a JSON number, say) refuses the deploy saying so.

Kubernetes Secret values are strings, so such a value is refused, as before; but the refusal said the secret "is not
in" the file, which sent the operator looking for an entry that was plainly there. The value itself is never shown.
"""

from __future__ import annotations

import json

import pytest

from services.shared.appspec import AppSpec, SecretRef
from services.shared.local import LocalSettings
from services.shared.platform import AppRef, PlatformError, Rollout
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform


async def test_a_secret_that_is_no_string_is_named_so(local_settings: LocalSettings, web_images: tuple[str, ...],
                                                      test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1, secret_env={"PIN": SecretRef(secret="demo", key="pin")}))
    local_settings.state_dir.mkdir(parents=True)
    local_settings.secrets_path.write_text(json.dumps({"demo": {"pin": 918273}}))
    async with local_platform(local_settings, app.name) as platform:
        await platform.ensure_app(app)
        with pytest.raises(PlatformError) as refused:
            await platform.deploy(app, Colour.BLUE, Rollout("r1", "1" * 40, web_images[0]), 1)

    message = str(refused.value)
    assert "demo/pin" in message and "not a string" in message and "is not in" not in message, message
    assert "918273" not in message
