"""GREENLIGHT_NOTIFIER_SUBSCRIPTIONS naming one id twice (a copy-paste given a new URL, its id left as it was) was
taken without a word. Everything the notifier keeps is per id (the delivery records, the state, the retries' header),
so the two entries shared one record per event: the first entry's delivery settled it, and the second receiver was
never sent anything, silently (or got an event only when the first had failed it, a retry of the id going to both).
The API refuses a second subscription under an id (409); the setting should refuse it too, at start, naming the
variable and never repeating the value (it holds the secrets)."""

from __future__ import annotations

import json

import pytest

from services.notifier.settings import NotifierSettings
from services.shared.startup import StartupError, load_settings

VARIABLE = "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS"
FIRST, SECOND = "first-secret-0123456789", "second-secret-0123456789"


def test_one_id_twice_in_the_setting_stops_the_notifier_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, json.dumps([
        {"id": "ops", "url": "https://chat.example/hooks/one", "secret": FIRST},
        {"id": "ops", "url": "https://pager.example/hooks/two", "secret": SECOND},
    ]))
    with pytest.raises(StartupError, match=f"^{VARIABLE} is invalid") as raised:
        load_settings(NotifierSettings)
    assert FIRST not in str(raised.value) and SECOND not in str(raised.value)


def test_distinct_ids_in_the_setting_still_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, json.dumps([
        {"id": "ops", "url": "https://chat.example/hooks/one", "secret": FIRST},
        {"id": "pager", "url": "https://pager.example/hooks/two", "secret": SECOND},
    ]))
    assert [s.id for s in load_settings(NotifierSettings).subscriptions] == ["ops", "pager"]
