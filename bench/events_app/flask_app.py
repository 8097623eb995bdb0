"""The baseline: Flask + requests, calling the API on every view like the original app.

Usage: python bench/events_app/flask_app.py PORT UPSTREAM_BASE_URL
Served by werkzeug's threaded server (a thread per request).
"""

from __future__ import annotations

import sys
from typing import Any

import requests
from flask import Flask, jsonify, render_template_string
from werkzeug.serving import run_simple

TEMPLATE = """<!doctype html><html><body><h1>Top events</h1><ol>
{% for e in events %}<li><a href="{{ e.url }}">{{ e.name }}</a> {{ e.date }} {{ e.venue }}</li>{% endfor %}
</ol></body></html>"""


def make_app(upstream: str) -> Flask:
    app = Flask(__name__)

    def top_events() -> list[dict[str, Any]]:
        params: dict[str, str | int] = {
            "apikey": "bench-key",
            "countryCode": "US",
            "sort": "relevance,desc",
            "size": 50,
        }
        payload = requests.get(f"{upstream}/events.json", params=params, timeout=10).json()
        events = payload.get("_embedded", {}).get("events", [])
        onsale = [e for e in events if e.get("dates", {}).get("status", {}).get("code") == "onsale"]
        return [
            {
                "id": e["id"],
                "name": e["name"],
                "url": e.get("url"),
                "date": e["dates"]["start"].get("localDate"),
                "venue": e.get("_embedded", {}).get("venues", [{}])[0].get("name"),
            }
            for e in onsale[:20]
        ]

    @app.get("/")
    def index() -> str:
        return render_template_string(TEMPLATE, events=top_events())

    @app.get("/api/events")
    def api_events() -> Any:
        return jsonify(events=top_events())

    return app


if __name__ == "__main__":
    port, upstream = int(sys.argv[1]), sys.argv[2]
    run_simple("127.0.0.1", port, make_app(upstream), threaded=True)
