"""`python -m services.deployer`: settings from the environment, then serve until SIGTERM."""

from services.deployer.app import create_app
from services.deployer.settings import DeployerSettings
from services.shared.runtime import run, settings_or_exit


def main() -> None:
    settings = settings_or_exit(DeployerSettings)
    run(create_app(settings), settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_DEPLOYER_PORT")


if __name__ == "__main__":
    main()
