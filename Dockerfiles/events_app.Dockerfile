# The events app that Greenlight releases. Build context: the repository root.
#   docker build -f Dockerfiles/events_app.Dockerfile --build-arg APP_VERSION=$(git rev-parse HEAD) .
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# Dependencies before code, so a code-only change reuses this layer.
COPY events_app/requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY events_app /app/events_app
RUN /opt/venv/bin/python -m compileall -q /app/events_app

FROM ${BASE_IMAGE}
# The commit being released; shown in the page banner and in /api/events.
ARG APP_VERSION=dev
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_VERSION=${APP_VERSION} \
    PORT=8080
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# Numeric, so no passwd entry is needed in whatever BASE_IMAGE is; files stay root-owned, read-only.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=2)"]
# Exec form: python is PID 1 and gets SIGTERM itself, which aiohttp turns into a graceful drain.
CMD ["python", "-m", "events_app"]
