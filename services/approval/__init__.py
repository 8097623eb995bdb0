"""The approval service: the release API, human approvals, history and live event streams."""
