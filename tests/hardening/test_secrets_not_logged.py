"""A pipeline of all five services with real-looking secrets configured: no secret appears in any log."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path

import httpx

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.hardening.stack import Driver, process_stack
from tests.harness import observer


def secret(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex}"


async def test_no_secret_in_any_log(bus_settings: BusSettings, tmp_path: Path) -> None:
    requester, approver = secret("tok-req"), secret("tok-appr")
    secrets = {
        "requester token": requester, "approver token": approver,
        "registry password": secret("regpass"), "registry token": secret("regtoken"),
        "AWS secret key": secret("awssecret"), "Ticketmaster key": secret("tmkey"),
    }
    tokens = [{"name": "rita", "roles": ["requester"], "token_sha256": hashlib.sha256(requester.encode()).hexdigest()},
              {"name": "alex", "roles": ["approver", "requester"],
               "token_sha256": hashlib.sha256(approver.encode()).hexdigest()}]
    env = {
        "GREENLIGHT_API_DEV_TOKENS": "false", "GREENLIGHT_API_TOKENS": json.dumps(tokens),
        "GREENLIGHT_PUSHER_REGISTRY_USERNAME": "robot",
        "GREENLIGHT_PUSHER_REGISTRY_PASSWORD": secrets["registry password"],
        "GREENLIGHT_PUSHER_REGISTRY_TOKEN": secrets["registry token"],
        "AWS_ACCESS_KEY_ID": "AKIAHARDENINGTEST", "AWS_SECRET_ACCESS_KEY": secrets["AWS secret key"],
        "TICKETMASTER_API_KEY": secrets["Ticketmaster key"], "GREENLIGHT_LOG_LEVEL": "DEBUG",
    }
    async with observer(bus_settings) as store, process_stack(bus_settings, tmp_path, **env) as stack:
        driver = Driver(stack.api, store, requester=requester, approver=approver)
        live = await driver.ship("secrets-demo")
        rejected_id = await driver.request("secrets-other")
        await driver.wait(rejected_id, S.AWAITING_APPROVAL)
        await driver.decide(rejected_id, "reject", ("rejected",), comment="no")  # the approver's token in a header
        async with httpx.AsyncClient(base_url=stack.api, timeout=10) as client:
            # Tokens in every place a client may put them.
            assert (await client.get("/releases", headers={"Authorization": f"Bearer {requester}x"})).status_code == 401
            # EventSource's way in: a single-use stream ticket (itself a credential, so grepped for too).
            ticket = (await client.post("/events/tickets", headers={"Authorization": f"Bearer {requester}"})
                      ).json()["ticket"]
            secrets["stream ticket"] = ticket
            async with client.stream("GET", f"/releases/{live.id}/events",
                                     params={"ticket": ticket, "last_event_id": -1}) as response:
                assert response.status_code == 200
                async for line in response.aiter_lines():
                    if line.startswith("event: live"):
                        break
    assert live.state is S.LIVE
    logs = stack.log_text()
    assert len(logs.splitlines()) > 50, "the services logged (almost) nothing: the check would prove nothing"
    leaked = {name: value for name, value in secrets.items()
              if value in logs or base64.b64encode(value.encode()).decode()[:-4] in logs}
    assert leaked == {}, f"secrets in the logs: {sorted(leaked)}"
    print(f"\n{len(logs.splitlines())} log lines from {len(stack.starts)} services grepped for "
          f"{len(secrets)} secrets: none found")
