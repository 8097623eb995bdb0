"""On the local platform an `optional` secret_env reference the secrets file lacks (its key, its secret, or the whole
file) leaves the variable unset and the deploy goes on, as Kubernetes' `secretKeyRef.optional` does; a missing
required one still refuses the deploy. Every reference used to be required, so an app that does without a value
(the events app without EVENTS_REDIS_URL) could not be deployed locally without a made-up one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.shared.appspec import AppSpec, SecretRef
from services.shared.local import LocalPlatform, LocalSettings
from services.shared.platform import AppRef, PlatformError, Rollout
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform

OPTIONAL = {"REDIS_URL": SecretRef(secret="demo-secrets", key="redis-url", optional=True),
            "OTHER_URL": SecretRef(secret="demo-other", key="url", optional=True)}
REQUIRED = {"API_KEY": SecretRef(secret="demo-secrets", key="api-key")}


async def deployed_env(platform: LocalPlatform, settings: LocalSettings, app: AppRef, image: str) -> dict[str, str]:
    await platform.ensure_app(app)
    await platform.deploy(app, Colour.BLUE, Rollout("r1", "1" * 40, image), 1)
    docker: Any = platform.runner.containers.docker  # type: ignore[attr-defined]
    info = await docker.containers.container(settings.container_name(app.name, Colour.BLUE)).show()
    return dict(item.split("=", 1) for item in info["Config"]["Env"])


async def test_missing_optional_keys_leave_their_variables_unset(local_settings: LocalSettings,
                                                                 web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1, secret_env={**REQUIRED, **OPTIONAL}))
    local_settings.state_dir.mkdir(parents=True)
    local_settings.secrets_path.write_text(json.dumps({"demo-secrets": {"api-key": "k3y"}}))
    async with local_platform(local_settings, app.name) as platform:
        env = await deployed_env(platform, local_settings, app, web_images[0])
    assert env["API_KEY"] == "k3y"
    assert "REDIS_URL" not in env and "OTHER_URL" not in env


async def test_no_secrets_file_is_no_optional_secret(local_settings: LocalSettings, web_images: tuple[str, ...],
                                                     test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1, secret_env=OPTIONAL))
    local_settings.state_dir.mkdir(parents=True)
    assert not local_settings.secrets_path.exists()
    async with local_platform(local_settings, app.name) as platform:
        env = await deployed_env(platform, local_settings, app, web_images[0])
    assert "REDIS_URL" not in env and "OTHER_URL" not in env


async def test_a_missing_required_one_still_refuses(local_settings: LocalSettings, web_images: tuple[str, ...],
                                                    test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1, secret_env={**REQUIRED, **OPTIONAL}))
    local_settings.state_dir.mkdir(parents=True)
    async with local_platform(local_settings, app.name) as platform:
        with pytest.raises(PlatformError, match=r"needs secrets but .* cannot be read"):
            await deployed_env(platform, local_settings, app, web_images[0])
        local_settings.secrets_path.write_text(json.dumps({"demo-secrets": {"redis-url": "redis://r"}}))
        with pytest.raises(PlatformError, match=r"secret demo-secrets/api-key \(for API_KEY\) is not in"):
            await deployed_env(platform, local_settings, app, web_images[0])
