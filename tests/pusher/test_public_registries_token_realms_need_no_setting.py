"""Docker Hub and GitLab.com answer with a token realm on a host of their own (auth.docker.io, gitlab.com): those
work with no `registry_token_hosts`, for that registry only; another registry naming the same realm is refused."""

from __future__ import annotations

import pytest

from services.shared.registry.token import RealmPolicy


@pytest.mark.parametrize(("registry", "realm"), [
    ("registry-1.docker.io", "https://auth.docker.io/token"),
    ("docker.io", "https://auth.docker.io/token"),
    ("registry.gitlab.com", "https://gitlab.com/jwt/auth"),
])
def test_a_public_registrys_own_token_service_is_trusted(registry: str, realm: str) -> None:
    assert RealmPolicy().refusal(registry, plain_http=False, realm=realm) is None


@pytest.mark.parametrize(("registry", "realm"), [
    ("registry.example.com", "https://auth.docker.io/token"),
    ("registry-1.docker.io", "https://gitlab.com/jwt/auth"),
    ("registry-1.docker.io", "http://auth.docker.io/token"),  # in clear: never
])
def test_the_pairing_is_for_that_registry_only(registry: str, realm: str) -> None:
    assert RealmPolicy().refusal(registry, plain_http=False, realm=realm) is not None
