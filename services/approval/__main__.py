"""`python -m services.approval`: the release API on GREENLIGHT_API_PORT (default 8000)."""

from __future__ import annotations

import sys

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.runtime import run, settings_or_exit
from services.shared.settings import StartupError
from services.shared.subscriber_hosts import SubscriberHostSettings


def main() -> None:
    settings = settings_or_exit(ApprovalSettings)
    # Read here too, so that an invalid hook secret or allowed subscriber host stops the API with one line naming
    # the setting, not a traceback; likewise what create_app reads (GREENLIGHT_API_TOKENS_FILE).
    try:
        app = create_app(settings, hooks=settings_or_exit(HookSettings),
                         subscribers=settings_or_exit(SubscriberHostSettings))
    except StartupError as exc:
        sys.exit(f"greenlight: {exc}")
    run(app, settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_API_PORT")


if __name__ == "__main__":
    main()
