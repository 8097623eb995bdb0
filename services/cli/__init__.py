"""The `greenlight` command line: releases through the approval API, and `greenlight up` for local use."""
