"""secret_env comes from the local secrets file; a missing secret refuses the deploy without leaking values."""

from __future__ import annotations

import json

import pytest

from services.shared.appspec import AppSpec, SecretRef
from services.shared.local import LocalSettings
from services.shared.platform import AppRef, PlatformError, Rollout
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform


async def test_secrets_file_feeds_the_container(local_settings: LocalSettings, web_images: tuple[str, ...],
                                                test_id: str) -> None:
    spec = AppSpec(replicas=1, env={"MODE": "test"},
                   secret_env={"API_KEY": SecretRef(secret="demo-secrets", key="api-key")})
    app = AppRef(f"lp-{test_id}", spec)
    local_settings.state_dir.mkdir(parents=True)
    local_settings.secrets_path.write_text(json.dumps({"demo-secrets": {"other": "x"}}))
    async with local_platform(local_settings, app.name) as platform:
        await platform.ensure_app(app)
        with pytest.raises(PlatformError) as missing:
            await platform.deploy(app, Colour.BLUE, Rollout("r1", "1" * 40, web_images[0]), 1)
        local_settings.secrets_path.write_text(json.dumps({"demo-secrets": {"api-key": "s3cr3t-value"}}))
        await platform.deploy(app, Colour.BLUE, Rollout("r1", "1" * 40, web_images[0]), 1)
        docker = platform.runner.containers.docker  # type: ignore[attr-defined]
        info = await docker.containers.container(local_settings.container_name(app.name, Colour.BLUE)).show()
        record = await platform.marks.load(app.name)

    assert "demo-secrets/api-key" in str(missing.value) and "s3cr3t" not in str(missing.value)
    env = dict(item.split("=", 1) for item in info["Config"]["Env"])
    assert env["API_KEY"] == "s3cr3t-value" and env["MODE"] == "test" and env["APP_COLOR"] == "blue"
    assert record is not None and env["PORT"] == str(record.ports[Colour.BLUE])
    assert env["APP_VERSION"] == "1" * 40
