"""THE route table: registered by `app.py` and documented by `openapi.py` from this one list."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from services.approval import abort as aborts
from services.approval import decision_views as decisions
from services.approval import delivery_views as delivery
from services.approval import hooks, slack_actions, streams
from services.approval import identity_views as identity
from services.approval import release_views as releases
from services.approval import subscription_changes as changes
from services.approval import subscription_views as subscriptions
from services.approval.answers import AppStatus, ErrorOut, ReleaseDetail, ReleaseOut, ReleasePage, StreamTicketOut
from services.approval.hook_payloads import HookOut
from services.approval.models import DecisionRequest, ReleaseRequest, RollbackRequest
from services.approval.params import AppPath, EventStreamParams, ReleasePath, ReleaseQuery, ReleaseStreamParams
from services.approval.routing import EVENT_STREAM, JSON_DOCUMENT, NO_CONTENT, Call, Route
from services.approval.settings import Role
from services.shared.subscriptions import SubscriptionSpec

OPENAPI = web.AppKey("openapi", dict)
HOOK_RESPONSES: dict[int, type[BaseModel] | str] = {
    200: HookOut, 202: HookOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 408: ErrorOut, 409: ErrorOut,
    413: ErrorOut, 422: ErrorOut, 502: ErrorOut, 503: ErrorOut, 504: ErrorOut}


async def openapi_document(call: Call[None, None]) -> web.StreamResponse:
    return web.json_response(call.request.app[OPENAPI])


ROUTES: tuple[Route, ...] = (
    Route("POST", "/releases", releases.create_release, "Request a release of an app at a commit",
          {202: ReleaseOut, 404: ErrorOut, 409: ErrorOut, 504: ErrorOut}, body=ReleaseRequest, role=Role.REQUESTER,
          headers={202: ("Location",)}, links=("get_release", "approve_release", "reject_release")),
    Route("GET", "/releases", releases.list_releases, "List releases, newest first",
          {200: ReleasePage, 404: ErrorOut}, params=ReleaseQuery),
    Route("GET", "/releases/{id}", releases.get_release, "A release and its event history",
          {200: ReleaseDetail, 404: ErrorOut}, params=ReleasePath),
    Route("POST", "/releases/{id}/approve", decisions.approve_release, "Approve a staged release",
          {200: ReleaseOut, 404: ErrorOut, 409: ErrorOut}, params=ReleasePath, body=DecisionRequest,
          body_required=False, role=Role.APPROVER),
    Route("POST", "/releases/{id}/reject", decisions.reject_release, "Reject a staged release",
          {200: ReleaseOut, 404: ErrorOut, 409: ErrorOut}, params=ReleasePath, body=DecisionRequest,
          body_required=False, role=Role.APPROVER),
    Route("POST", "/releases/{id}/abort", aborts.abort_release, "End an in-flight release (approver or admin)",
          {200: ReleaseOut, 404: ErrorOut, 409: ErrorOut}, params=ReleasePath, body=aborts.AbortRequest,
          role=Role.APPROVER),
    Route("GET", "/releases/{id}/events", streams.release_events, "Follow one release's events (SSE)",
          {200: EVENT_STREAM, 204: NO_CONTENT, 404: ErrorOut}, params=ReleaseStreamParams,
          description="The stream ends after the release's last event (`failed`, `rejected`, `rolled_back`); "
          "asked again from that event or later (`Last-Event-ID`, or none), the answer is 204 No Content, which "
          "tells an EventSource to stop reconnecting."),
    Route("GET", "/apps/{app}", releases.get_app, "An app's live, standby and in-flight releases",
          {200: AppStatus}, params=AppPath),
    Route("POST", "/apps/{app}/rollback", decisions.rollback_app,
          "Roll an app back to its previous release, or (`to`) to any earlier one",
          {202: ReleaseOut, 404: ErrorOut, 409: ErrorOut}, params=AppPath, body=RollbackRequest, role=Role.APPROVER,
          headers={202: ("Location",)}),
    Route("POST", "/events/tickets", streams.issue_ticket, "A single-use ticket that authenticates one event "
          "stream request (for EventSource, which cannot send a header)", {201: StreamTicketOut}),
    Route("GET", "/events", streams.all_events, "Follow every release's events, or one app's (SSE)",
          {200: EVENT_STREAM}, params=EventStreamParams),
    Route("GET", "/me", identity.whoami, "Who the caller is and which operations they may call",
          {200: identity.IdentityOut}),
    Route("GET", "/metrics/delivery", delivery.delivery_metrics, "DORA's four keys over a window, per app and overall",
          {200: delivery.DeliveryOut}, params=delivery.DeliveryQuery),
    Route("GET", "/subscriptions", subscriptions.list_subscriptions, "Notification subscriptions (secrets omitted)",
          {200: subscriptions.SubscriptionList}, role=Role.ADMIN),
    Route("POST", "/subscriptions", subscriptions.create_subscription, "Subscribe a URL to release events",
          {201: subscriptions.SubscriptionOut, 409: ErrorOut}, body=SubscriptionSpec, role=Role.ADMIN),
    Route("DELETE", "/subscriptions/{id}", subscriptions.delete_subscription, "Remove a subscription",
          {200: subscriptions.SubscriptionOut, 404: ErrorOut, 409: ErrorOut}, params=subscriptions.SubscriptionPath,
          role=Role.ADMIN),
    Route("POST", "/subscriptions/{id}/secret", changes.rotate_secret,
          "Rotate a subscription's secret: the replaced one still signs too for a grace period",
          {200: subscriptions.SubscriptionOut, 404: ErrorOut, 409: ErrorOut}, params=subscriptions.SubscriptionPath,
          body=changes.SecretRotation, role=Role.ADMIN),
    Route("POST", "/subscriptions/{id}/disable", changes.disable_subscription,
          "Pause a subscription (its receiver down for maintenance): nothing is sent to it until it is enabled",
          {200: subscriptions.SubscriptionOut, 404: ErrorOut, 409: ErrorOut}, params=subscriptions.SubscriptionPath,
          body=changes.DisableRequest, body_required=False, role=Role.ADMIN, description=changes.PAUSE_DESCRIPTION),
    Route("POST", "/subscriptions/{id}/enable", changes.enable_subscription,
          "Deliver to a subscription again that its receiver's 410 Gone or an admin disabled",
          {200: subscriptions.SubscriptionOut, 404: ErrorOut}, params=subscriptions.SubscriptionPath,
          role=Role.ADMIN),
    # Called by git hosts and Slack, who prove themselves with a shared secret, not a bearer token.
    Route("POST", "/hooks/github", hooks.github_hook, "GitHub push webhook (X-Hub-Signature-256)",
          HOOK_RESPONSES, public=True),
    Route("POST", "/hooks/gitlab", hooks.gitlab_hook, "GitLab push webhook (X-Gitlab-Token)",
          HOOK_RESPONSES, public=True),
    Route("POST", "/hooks/generic", hooks.generic_hook, "Generic push webhook (Greenlight-Signature HMAC)",
          HOOK_RESPONSES, public=True),
    Route("POST", "/hooks/slack/actions", slack_actions.slack_action,
          "Slack button callback: approve or reject (X-Slack-Signature)",
          {200: slack_actions.SlackReply, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 408: ErrorOut,
           409: ErrorOut, 422: ErrorOut}, public=True),
    Route("GET", "/openapi.json", openapi_document, "This document", {200: JSON_DOCUMENT}, public=True),
)
