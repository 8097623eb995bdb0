"""A `secret_env` entry names a Kubernetes Secret and a key in it. Unchecked, a name the API server refuses
(`Team_Secrets`, a key `a/b`) passed greenlight.yaml and the build and the push, and the release failed at deploy
with the API's 422. Now greenlight.yaml is refused at once, naming the field; a release logged before the rule is
still read back."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec, AppSpecError, parse_app_spec


def spec(secret: str, key: str) -> str:
    return f"secret_env:\n  TOKEN: {{secret: '{secret}', key: '{key}'}}\n"


@pytest.mark.parametrize(("secret", "key"), [
    ("Team_Secrets", "token"), ("-lead", "token"), ("a" * 254, "token"), ("shop..db", "token"),
    ("shop", "a/b"), ("shop", ""), ("shop", "k" * 254), ("shop", "a b")])
def test_a_name_the_api_server_refuses_is_refused(secret: str, key: str) -> None:
    with pytest.raises(AppSpecError, match=r"secret_env\.TOKEN\.(secret|key)"):
        parse_app_spec(spec(secret, key))


def test_names_the_api_server_takes_are_taken() -> None:
    parsed = parse_app_spec(spec("shop-secrets.v2", "API_key-1.json"))
    assert parsed.secret_env["TOKEN"].key == "API_key-1.json"


def test_a_logged_release_is_still_read() -> None:
    logged = AppSpec.model_validate({"secret_env": {"TOKEN": {"secret": "Team_Secrets", "key": "a/b"}}})
    assert logged.secret_env["TOKEN"].secret == "Team_Secrets"
