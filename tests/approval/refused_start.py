"""The API's start refused: the StartupError its cleanup contexts raised, the runner cleaned up either way."""

from __future__ import annotations

import pytest
from aiohttp import web

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import StartupError


async def refused_start(settings: ApprovalSettings, hooks: HookSettings | None = None) -> StartupError:
    runner = web.AppRunner(create_app(settings, hooks=hooks))
    try:
        with pytest.raises(StartupError) as refused:
            await runner.setup()
    finally:
        await runner.cleanup()
    return refused.value
