"""GitHub and GitLab take owner and repository names in any case (`Acme/App` is `acme/app`), and a payload spells
them as the host stores them: a push of `Acme/App` against a configured `acme/app` was answered `ignored`, never
released. The release still uses the configured URL, never the payload's."""

from __future__ import annotations

from services.approval.hook_settings import HookApp

APP = HookApp(app="shop", repository="https://github.com/acme/app.git", aliases=("git@github.com:acme/app.git",))


def test_a_payload_spelling_the_repository_in_other_cases_names_the_app() -> None:
    assert APP.names("https://github.com/Acme/App")
    assert APP.names("https://GitHub.com/ACME/app.git/")
    assert APP.names("git@github.com:Acme/App.git")


def test_another_repository_is_still_not_named() -> None:
    assert not APP.names("https://github.com/acme/app2")
    assert not APP.names("https://github.com/acme-app")
