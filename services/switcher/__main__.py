"""`python -m services.switcher`"""

from services.shared.runtime import run
from services.switcher.app import create_app
from services.switcher.settings import SwitcherSettings

if __name__ == "__main__":
    settings = SwitcherSettings()
    run(create_app(settings), settings.port, grace=settings.bus.grace_period)
