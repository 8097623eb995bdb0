"""The durable read model: releases, their full history and each app's state in SQL (issue 12).

log (RabbitMQ stream) → projector (projector.py) → database (schema.py) → API reads (release_reads.py)
"""
