"""`python -m services.switcher`: settings from the environment, then serve until SIGTERM."""

from services.shared.runtime import run, settings_or_exit
from services.switcher.app import create_app
from services.switcher.settings import SwitcherSettings


def main() -> None:
    settings = settings_or_exit(SwitcherSettings)
    run(create_app(settings), settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_SWITCHER_PORT")


if __name__ == "__main__":
    main()
