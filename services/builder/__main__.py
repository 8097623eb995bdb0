"""`python -m services.builder`: settings from the environment, then serve until SIGTERM."""

from services.builder.app import create_app
from services.builder.settings import BuilderSettings
from services.shared.runtime import run, settings_or_exit


def main() -> None:
    settings = settings_or_exit(BuilderSettings)
    run(create_app(settings), settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_BUILDER_PORT")


if __name__ == "__main__":
    main()
