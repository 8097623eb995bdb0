"""`python -m services.deployer`"""

from services.deployer.app import create_app
from services.deployer.settings import DeployerSettings
from services.shared.runtime import run

if __name__ == "__main__":
    settings = DeployerSettings()
    run(create_app(settings), settings.port, grace=settings.bus.grace_period)
