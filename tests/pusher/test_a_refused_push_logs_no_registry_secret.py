"""A push the registry refuses is logged and failed with the same reason, masked: the failed event's reason was
masked (the registry's password, an ECR token), but the warning logged beside it carried the refusal's text as it
came, so a registry that repeated a credential in its refusal put it in the logs; so did the warning of a refused
login renewed once (ECR)."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from structlog.testing import capture_logs

from services.pusher.errors import RegistryRefused
from services.pusher.handlers import PushHandler
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.registry.auth import Login, with_login
from services.shared.registry.errors import RegistryUnauthorized
from tests.pusher.conftest import BuiltImage, built_event

PASSWORD = "pa55-w0rd-the-registry-echoed"


class Published:
    def __init__(self) -> None:
        self.events: list[Any] = []

    async def publish(self, event: Any) -> None:
        self.events.append(event)

    async def progress(self, *args: Any, **kwargs: Any) -> None:
        return None


class RefusingPush(PushHandler):
    async def _push(self, release: Any, progress: Any) -> Any:
        raise RegistryRefused(f"registry refused the push: denied for ann:{PASSWORD}")


@pytest.mark.parametrize("secret", ["registry_password", "registry_token"])
async def test_the_refusal_is_logged_masked(secret: str) -> None:
    settings = PusherSettings(registry="127.0.0.1:5000", registry_username="ann").model_copy(
        update={secret: SecretStr(PASSWORD)})
    handler = RefusingPush(settings, None, None, None, CollectorRegistry())  # type: ignore[arg-type]
    bus = Published()
    built = built_event(BuiltImage("127.0.0.1:5000/demo:" + "c" * 40, "sha256:" + "a" * 64, "demo", "c" * 40))
    with capture_logs() as logs:
        await handler(built, bus)  # type: ignore[arg-type]
    failed = bus.events[-1]
    assert failed.state is S.FAILED and PASSWORD not in failed.release.error.reason
    refused = [entry for entry in logs if entry["event"] == "push refused"]
    assert refused and all(PASSWORD not in str(entry) for entry in refused), refused


class Renewing:
    """A renewable auth (as ECR's) whose first login the registry refuses, repeating the token in its refusal."""

    def __init__(self) -> None:
        self.logins = 0

    async def login(self) -> Login:
        self.logins += 1
        return Login(registry="127.0.0.1:5000", token=SecretStr(f"{PASSWORD}-{self.logins}"))

    def forget(self, login: Login) -> None:
        pass


async def test_a_refused_login_is_logged_masked() -> None:
    async def attempt(login: Login) -> str:
        if login.token is not None and login.token.get_secret_value().endswith("-1"):
            raise RegistryUnauthorized(f"401: token {login.token.get_secret_value()} expired")
        return "pushed"

    with capture_logs() as logs:
        assert await with_login(Renewing(), attempt) == "pushed"  # type: ignore[arg-type]
    refused = [entry for entry in logs if entry["event"].startswith("registry refused the login")]
    assert refused and all(PASSWORD not in str(entry) for entry in refused), refused
