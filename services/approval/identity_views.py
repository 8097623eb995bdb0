"""`GET /me`: who the caller is and what they may do, so a client shows only the actions that will work.

The answer is derived from the route table and the caller's roles (the same check the router makes),
plus the two decision rules a client cannot guess: the four-eyes rule and a required comment, and whether the
apps' answers carry the platform's replicas (the dashboard keeps a line for them on every card from the start).
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from services.approval.colour_facts import COLOUR_PLATFORM
from services.approval.handlers import DESK
from services.approval.routing import REGISTERED, Call, reply
from services.approval.settings import Role


class IdentityOut(BaseModel):
    name: str = Field(description="the identity the token maps to")
    roles: list[Role] = Field(description="its roles, sorted")
    may: list[str] = Field(description="operation ids of the OpenAPI document this caller may call")
    decide_own_releases: bool = Field(
        description="whether this caller may approve or reject a release they requested (an admin override)")
    decision_comment_required: bool = Field(description="approve and reject need a comment")
    replicas_read: bool = Field(description="whether GET /apps/{app} reads each colour's replicas from the platform "
                                            "(its `colours`: null when the platform did not answer in time)")


async def whoami(call: Call[None, None]) -> web.StreamResponse:
    caller = call.caller
    settings = call.request.app[DESK].settings
    may = sorted(route.operation_id for route in call.request.app[REGISTERED]
                 if not route.public and (route.role is None or caller.has(route.role)))
    return reply(IdentityOut(
        name=caller.name, roles=sorted(caller.roles), may=may,
        decide_own_releases=caller.is_admin and settings.allow_admin_self_approval,
        decision_comment_required=settings.require_decision_comment,
        replicas_read=COLOUR_PLATFORM in call.request.app,
    ))
