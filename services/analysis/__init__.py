"""analysis: measures a release's checks (greenlight.yaml `analysis`) before approval and after the switch."""
