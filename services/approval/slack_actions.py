"""Approve or reject from Slack: the buttons of the notifier's message post here (Slack "interactivity").

Buttons over signed links, because a button press is signed by Slack as coming from one Slack user,
whom a setting maps to one Greenlight identity: the approver is the person who pressed, not whoever
holds a link, and nothing in a channel's history grants anything. Links would have to be minted per
approver (one message each) and link unfurlers would open them.
Verified with slack-sdk's SignatureVerifier: `X-Slack-Signature` v0 over the raw body, constant-time
compare, `X-Slack-Request-Timestamp` within 5 minutes. Single use: the press's trigger id is claimed in
the shared database, so a replayed callback (within the window) is refused on every replica. The decision
goes through the API's own ReleaseDesk.decide: no self-approval, same role rule, same idempotency; with
GREENLIGHT_API_REQUIRE_DECISION_COMMENT a press is refused, as a decision without a comment is.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.approval.answers import FieldError
from services.approval.auth import Identity, slack_key
from services.approval.body_deadline import read_body
from services.approval.errors import ApiError, Forbidden, NotFound, Unauthorized, Unprocessable
from services.approval.handlers import DESK, ReleaseDesk
from services.approval.hook_secrets import HookSecrets, signed
from services.approval.hooks import HOOK_SETTINGS
from services.approval.hooks import claims as hook_claims
from services.approval.params import ReleasePath
from services.approval.policy import policy_of
from services.approval.routing import Call
from services.approval.settings import Role
from services.shared.protocol import ReleaseState
from services.shared.release import Release

ACTIONS = {"greenlight_approve": ReleaseState.APPROVED, "greenlight_reject": ReleaseState.REJECTED}


class SlackReply(BaseModel):
    response_type: str
    replace_original: bool
    text: str


async def slack_action(call: Call[None, None]) -> web.StreamResponse:
    """A press of the notifier's Approve or Reject button, posted by Slack (form-encoded `payload`)."""
    request = call.request
    settings = request.app[HOOK_SETTINGS]
    setting = settings.slack_signing_secret
    if setting is None or not setting.get_secret_value().strip():
        raise NotFound("Slack actions are not configured.")
    # Imported here: slack-sdk is ~30 ms of the API's start-up, needed once Slack actions are configured only.
    from slack_sdk.signature import SignatureVerifier

    keys = HookSecrets("slack", setting, settings.slack_signing_secret_previous)  # SecretStr: masked reprs
    body = await read_body(request)  # read by anyone's press: within the API's deadline
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    # isascii too: str.isdigit() accepts "²", which int() refuses; and int() refuses over 4,300 digits.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 15):
        raise Unauthorized("X-Slack-Request-Timestamp is missing or not a number.")
    signature = request.headers.get("X-Slack-Signature", "")
    # slack-sdk compares str with hmac.compare_digest (TypeError on non-ASCII) and decodes the body as UTF-8:
    # refused here, and anything else it raises is a 401 from `signed`, the secret never in this frame.
    signed(lambda: signature.isascii() and keys.check(lambda secret: SignatureVerifier(secret).is_valid(
        body, timestamp, signature)), "The Slack signature is stale or does not match the body.")
    press = _press(body)
    user = next((u for u in settings.slack_users if u.slack_user == press["user"]), None)
    if user is None:
        raise Forbidden("This Slack user is not mapped to a Greenlight identity.")
    caller = Identity(user.name, user.roles, slack_key(user.slack_user))  # the id: four eyes across a rename
    if not caller.has(Role.APPROVER):
        raise Forbidden(f"This needs the approver role, which {caller.name} does not have.")
    desk = request.app[DESK]
    if desk.settings.require_decision_comment:  # a press gives no reason, and "via Slack" would be recorded as one
        raise Unprocessable.of_fields([FieldError(loc=["body", "payload"], msg=(
            "a comment is required (GREENLIGHT_API_REQUIRE_DECISION_COMMENT), which a button press cannot give: "
            "decide in the dashboard or with `greenlight approve|reject --comment`"))])
    claims = await hook_claims(request)
    key = f"slack:{press['trigger']}"
    if not await claims.claim(key):
        raise ApiError("This button press was used already.", status=409)
    try:
        release = await desk.decide(press["release"], press["decision"], "via Slack", caller)
    except BaseException:
        await claims.release(key)  # the press did nothing: pressing again may succeed (e.g. after a 503)
        raise
    return web.json_response({"response_type": "in_channel", "replace_original": False,
                              "text": await _told(desk, release, press["decision"], caller)})


async def _told(desk: ReleaseDesk, release: Release, decision: ReleaseState, caller: Identity) -> str:
    """What the channel is told the press did. An approval that leaves the release awaiting approval (its policy
    needs more approvers) was recorded, not the release approved: it says how many are given of how many, as
    the API's answer to the same approval does (`approval.given` of `approval.required`)."""
    what = f"{release.app} `{release.commit[:12]}`"
    if decision is ReleaseState.REJECTED:
        return f"{caller.name} rejected {what}."
    if release.state is not ReleaseState.AWAITING_APPROVAL:
        return f"{caller.name} approved {what}."
    required = policy_of(release, desk.settings.policy).required_approvals
    given = len(await desk.approvals.given(release.id))
    still = f"; {required - given} more needed before it is approved" if given < required else ""
    return f"{caller.name}'s approval of {what} is recorded: {given} of {required} approvals{still}."


def _press(body: bytes) -> dict[str, Any]:
    """Who pressed which button of which release, from Slack's form-encoded `payload`."""
    try:
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        action = payload["actions"][0]
        decision = ACTIONS[action["action_id"]]
        user, release = str(payload["user"]["id"]), str(action["value"])
        trigger = str(payload.get("trigger_id") or f"{action['action_ts']}:{user}")
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        raise Unprocessable.of_fields([FieldError(
            loc=["body", "payload"], msg="not a Slack block_actions payload with a Greenlight button")]) from None
    try:  # an id as the API's routes take it: a button's value is its sender's, and a NUL fails PostgreSQL's query
        ReleasePath(id=release)
    except ValidationError as exc:
        raise Unprocessable.of_fields([FieldError(loc=["body", "payload", "actions", 0, "value"], msg=e["msg"])
                                       for e in exc.errors()]) from None
    return {"user": user, "release": release, "decision": decision, "trigger": trigger}
