"""Git push webhooks: GitHub, GitLab and a generic HMAC hook. Each verifies the request over the raw body
before reading it, then hands a `Push` to the PushDesk. The body is read through hook_body.py, which bounds how many
large ones are held at once.

Public routes of the route table: these callers prove themselves with a shared secret, not a bearer token.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from services.approval.answers import FieldError
from services.approval.errors import ApiError, Unauthorized, Unprocessable
from services.approval.gitlab_signature import signature_matches
from services.approval.handlers import DESK
from services.approval.hook_body import hook_body
from services.approval.hook_claims import Claims
from services.approval.hook_payloads import GenericPush, GitHubPush, GitLabPush, Payload, github_json
from services.approval.hook_pushers import Pusher
from services.approval.hook_secrets import configured, signed
from services.approval.hook_settings import HookSettings
from services.approval.push_desk import Push, PushDesk
from services.approval.routing import Call
from services.approval.sql import SQL
from services.shared.db.runtime import DATABASE
from services.shared.signing import SIGNATURE_HEADER, BadSignature, github_signature, matches, verify
from services.shared.sources import GitUnavailable

HOOK_SETTINGS = web.AppKey("hook_settings", HookSettings)


async def claims(request: web.Request) -> Claims:
    return Claims(await request.app[SQL].get(), request.app[HOOK_SETTINGS].claim_retention)


async def github_hook(call: Call[None, None]) -> web.StreamResponse:
    """GitHub push webhook: `X-Hub-Signature-256` over the raw body; `X-GitHub-Delivery` names the delivery."""
    request, settings = call.request, call.request.app[HOOK_SETTINGS]
    keys = configured("github", settings.github_secret, settings.github_secret_previous, "GitHub")
    async with hook_body(request, settings) as body:
        header = request.headers.get("X-Hub-Signature-256", "")
        signed(lambda: keys.check(lambda secret: matches(github_signature(secret, body), header)),
               "X-Hub-Signature-256 does not match the body.")
        kind = request.headers.get("X-GitHub-Event", "")
        if kind == "ping":
            return web.json_response({"results": [{"outcome": "pong"}]})
        if kind != "push":
            return web.json_response({"results": [{"outcome": "ignored", "reason": f"not a push: {kind[:50]}"}]})
        push = _parse(GitHubPush, github_json(request.content_type, body))
        repo = push.repository
        names = (repo.clone_url, repo.git_url, repo.ssh_url, repo.html_url, repo.url)
        return await _act(request, Push("github", _delivery(request, "X-GitHub-Delivery"), push.ref, push.after,
                                        tuple(n for n in names if n), push.pushed_by))


async def gitlab_hook(call: Call[None, None]) -> web.StreamResponse:
    """GitLab push webhook: `X-Gitlab-Token` and/or the signing token's `webhook-signature`, each checked when its
    setting is. The signed `webhook-id` names the delivery when the signing token is set (an unsigned id would let a
    captured delivery be sent again under a new one); else `Idempotency-Key` (GitLab 17.4 on: the same across retries
    and resends, and equal to `webhook-id`), else `X-Gitlab-Event-UUID`, which webhooks set off by an earlier one
    share with it."""
    request, settings = call.request, call.request.app[HOOK_SETTINGS]
    signing = settings.gitlab_signing_token
    if settings.gitlab_token is not None or signing is None:  # 404 with neither
        keys = configured("gitlab", settings.gitlab_token, settings.gitlab_token_previous, "GitLab")
        # The header is read inside the check: a handler's variable holding it would hold the secret once it
        # matched, and a console traceback of any later error prints every frame's locals.
        signed(lambda: keys.check(lambda token: matches(token, request.headers.get("X-Gitlab-Token", ""))),
               "X-Gitlab-Token is not the configured token.")
    async with hook_body(request, settings) as body:
        if signing is not None:
            signer = configured("gitlab-signing", signing, settings.gitlab_signing_token_previous, "GitLab")
            signed(lambda: signer.check(lambda token: signature_matches(token, body, request.headers)),
                   "webhook-signature does not match the body, or its webhook-timestamp is not within 5 minutes.")
        if request.headers.get("X-Gitlab-Event", "") != "Push Hook":
            return web.json_response({"results": [{"outcome": "ignored", "reason": "not a Push Hook"}]})
        push = _parse(GitLabPush, body)
        project = push.project
        names = (project.git_http_url, project.git_ssh_url, project.web_url, project.url)
        key = "webhook-id" if signing is not None else \
            "Idempotency-Key" if "Idempotency-Key" in request.headers else "X-Gitlab-Event-UUID"
        return await _act(request, Push("gitlab", _delivery(request, key), push.ref, push.after,
                                        tuple(n for n in names if n), push.pushed_by))


async def generic_hook(call: Call[None, None]) -> web.StreamResponse:
    """Body `{"repository", "ref", "after", "delivery", "pusher"}` (`pusher` optional) signed as the notifier signs
    (README)."""
    request, settings = call.request, call.request.app[HOOK_SETTINGS]
    keys = configured("generic", settings.generic_secret, settings.generic_secret_previous, "The generic")
    async with hook_body(request, settings) as body:
        # verify raises BadSignature alone, whatever the header holds (test_odd_signature_headers_are_401.py).
        try:
            # Every line: the header is a comma list, which HTTP lets a sender split into lines (RFC 9110, 5.3).
            keys.verify(lambda secret: verify(secret, body, ",".join(request.headers.getall(SIGNATURE_HEADER, ()))))
        except BadSignature as exc:
            raise Unauthorized(f"{str(exc).capitalize()}.") from None
        push = _parse(GenericPush, body)
        return await _act(request, Push("generic", push.delivery, push.ref, push.after, (push.repository,),
                                        Pusher("generic", push.pusher)))


async def _act(request: web.Request, push: Push) -> web.Response:
    desk = PushDesk(request.app[DESK], request.app[DATABASE], await claims(request), request.app[HOOK_SETTINGS])
    try:
        status, results = await desk.push(push)
    except GitUnavailable as exc:  # the git server's trouble, as for POST /releases; the push claimed nothing
        raise ApiError(f"{exc}; try again shortly.", status=503, headers={"Retry-After": "10"}) from None
    return web.json_response({"results": results}, status=status)


def _delivery(request: web.Request, header: str) -> str:
    value = request.headers.get(header, "")
    # Printable ASCII, as forges send (GUIDs, UUIDs): aiohttp reads undecodable bytes as lone surrogates, which the
    # claim's insert cannot encode (a 500).
    if not value or len(value) > 200 or not (value.isascii() and value.isprintable()):
        raise Unprocessable.of_fields([FieldError(loc=["header", header],
                                                  msg="a delivery id of 1-200 printable ASCII characters is required")])
    return value


def _parse(model: type[Payload], body: bytes | str) -> Any:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError("The request body is not valid JSON.", status=400) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable.from_validation(exc, "body") from None

