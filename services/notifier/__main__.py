"""`python -m services.notifier`: settings from the environment, then serve until SIGTERM."""

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from services.shared.runtime import run, settings_or_exit


def main() -> None:
    settings = settings_or_exit(NotifierSettings)
    run(create_app(settings), settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_NOTIFIER_PORT")


if __name__ == "__main__":
    main()
