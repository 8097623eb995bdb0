"""`python -m services.analysis`: settings from the environment, then serve until SIGTERM."""

from services.analysis.app import create_app
from services.analysis.settings import AnalysisSettings
from services.shared.runtime import run, settings_or_exit


def main() -> None:
    settings = settings_or_exit(AnalysisSettings)
    run(create_app(settings), settings.port, grace=settings.bus.grace_period, port_setting="GREENLIGHT_ANALYSIS_PORT")


if __name__ == "__main__":
    main()
