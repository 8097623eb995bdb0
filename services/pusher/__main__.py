"""`python -m services.pusher`: settings from the environment, then serve until SIGTERM."""

from services.pusher.app import create_app
from services.pusher.settings import PusherSettings
from services.shared.runtime import run, settings_or_exit


def main() -> None:
    settings = settings_or_exit(PusherSettings)
    run(create_app(settings), settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_PUSHER_PORT")


if __name__ == "__main__":
    main()
