"""A `secret_env` key is checked as the API server checks a secretKeyRef's key (IsConfigMapKey): besides its
characters and length, it may not be `.` or `..` nor start with `..` (a key is a file name in a mounted Secret, and
those would leave its directory). Unchecked, such a key passed greenlight.yaml, the build and the push, and the
release failed at deploy with the API server's 422."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpecError, parse_app_spec


def spec(key: str) -> str:
    return f"secret_env:\n  TOKEN: {{secret: shop, key: '{key}'}}\n"


@pytest.mark.parametrize("key", [".", "..", "..data", "..a.b"])
def test_a_key_the_api_server_takes_for_a_path_is_refused(key: str) -> None:
    with pytest.raises(AppSpecError, match=r"secret_env\.TOKEN\.key"):
        parse_app_spec(spec(key))


@pytest.mark.parametrize("key", [".env", "a..b", "token.", "a.", "._x"])
def test_a_key_with_dots_the_api_server_takes_is_taken(key: str) -> None:
    assert parse_app_spec(spec(key)).secret_env["TOKEN"].key == key
