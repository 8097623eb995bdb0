"""Instant stand-ins for every external system, sharing one ledger of side effects across processes."""
