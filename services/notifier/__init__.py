"""The notifier: release events delivered to subscribers as signed CloudEvents or Slack messages."""
