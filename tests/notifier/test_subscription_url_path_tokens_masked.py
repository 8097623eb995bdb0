"""Slack is not the only receiver whose URL path is its credential: Discord (`/api/webhooks/<id>/<token>`),
Mattermost (`/hooks/<key>`), Rocket.Chat (`/hooks/<id>/<token>`), a Teams or Power Automate workflow
(`/workflows/<id>/...?sig=`), Office 365's old connectors, and many a generic receiver (`/in/<uuid>`). The admin
API answers each with every path segment that is not a plain word masked, so no token is shown and the receiver's
route (`/api/webhooks`, `/hooks`) still tells a person which subscription it is."""

from __future__ import annotations

from services.shared.settings import BusSettings
from tests.notifier.conftest import assert_answered_masked

DISCORD_ID, DISCORD_TOKEN = "1187465207936274522", "kQ3v-Zr9pT2wXb7LmN4cHs8dJf6gYa1eRu5oIi0qWtEyUxVnBcMzAlSkPjOhGf"
MATTERMOST_KEY = "xbcd1234efgh5678ijkl9012mn"
ROCKET_ID, ROCKET_TOKEN = "6Qz3bKjQwPmRt2YhX", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv12Wx34"
WORKFLOW_ID, WORKFLOW_SIG = "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "bX9eL3tq7ZkR2mN8vP4sW6yA1cF5hJ0dG3uK7oI2xE"
OFFICE_GUID, OFFICE_HEX = "8a6f2c1e-4b3d-4f7a-9c2e-1d5b7a3f9e60", "d41d8cd98f00b204e9800998ecf8427e"
INBOX_UUID = "3f9c2a7e-1b4d-4c8e-9a6f-2d5e7b8c1a90"
LOWER_TOKEN = "kqzvwtrxbmnyhpsdfglcajeuoi"  # letters only, but longer than any route word

SUBSCRIPTIONS = {  # id: (url, format, as answered)
    "path-discord": (f"https://discord.com/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}", "cloudevents",
                     "https://discord.com/api/webhooks/***/***"),
    "path-discord-slack": (f"https://discord.com/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}/slack", "slack",
                           "https://discord.com/***"),  # a `slack` one: its whole path, as before
    "path-mattermost": (f"https://chat.example.org/hooks/{MATTERMOST_KEY}", "cloudevents",
                        "https://chat.example.org/hooks/***"),
    "path-rocket": (f"https://rocket.example.org:3000/hooks/{ROCKET_ID}/{ROCKET_TOKEN}", "cloudevents",
                    "https://rocket.example.org:3000/hooks/***/***"),
    "path-workflow": (f"https://prod-12.westeurope.logic.azure.com:443/workflows/{WORKFLOW_ID}/triggers/manual/"
                      f"paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={WORKFLOW_SIG}",
                      "cloudevents",
                      "https://prod-12.westeurope.logic.azure.com/workflows/***/triggers/manual/paths/invoke"
                      "?api-version=***&sp=***&sv=***&sig=***"),
    "path-office": (f"https://contoso.webhook.office.com/webhookb2/{OFFICE_GUID}@{OFFICE_GUID}/IncomingWebhook/"
                    f"{OFFICE_HEX}/{OFFICE_GUID}", "cloudevents", "https://contoso.webhook.office.com/***/***/***/***/***"),
    "path-inbox": (f"http://receiver.example.org/in/{INBOX_UUID}/", "cloudevents",
                   "http://receiver.example.org/in/***/"),
    "path-lower": (f"https://receiver.example.org/hooks/{LOWER_TOKEN}", "cloudevents",
                   "https://receiver.example.org/hooks/***"),
}
TOKENS = (DISCORD_ID, DISCORD_TOKEN, MATTERMOST_KEY, ROCKET_ID, ROCKET_TOKEN, WORKFLOW_ID, WORKFLOW_SIG, OFFICE_GUID,
          OFFICE_HEX, INBOX_UUID, LOWER_TOKEN)


async def test_a_token_in_a_webhook_path_is_masked_whatever_the_receiver(
        bus_settings: BusSettings, postgres_url: str) -> None:
    await assert_answered_masked(bus_settings, SUBSCRIPTIONS, TOKENS)
