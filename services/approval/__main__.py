"""`python -m services.approval`: the release API on GREENLIGHT_API_PORT (default 8000)."""

from __future__ import annotations

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.runtime import run, settings_or_exit


def main() -> None:
    settings = settings_or_exit(ApprovalSettings)
    run(create_app(settings), settings.port)


if __name__ == "__main__":
    main()
