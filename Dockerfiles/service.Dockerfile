# syntax=docker/dockerfile:1
# One Dockerfile for the seven Greenlight services (approval, builder, pusher, deployer, switcher, notifier,
# analysis).
# Build once per service so each gets its own image name and default command:
#   docker build -f Dockerfiles/service.Dockerfile --build-arg SERVICE=builder -t greenlight/builder .
# BASE_IMAGE is a build arg because public images cannot be pulled everywhere Greenlight is built
# (e.g. a podman host with a locally made python image); both stages must use the same one, since
# the venv copied into the final stage points at the build stage's interpreter path.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# The project and every dependency become wheels here; the final stage takes only the installed
# venv, not the build context, the wheels or any build tooling.
COPY pyproject.toml README.md ./
COPY services ./services
COPY events_app ./events_app
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-index --find-links /wheels /wheels/*.whl

FROM ${BASE_IMAGE}
ARG SERVICE=approval
# git only where the code runs it: the builder clones, the API resolves branches and tags (`git ls-remote`). ssh
# for the ssh:// repositories config.yaml allows: a Recommends of git, so --no-install-recommends leaves it out.
# Versions are not pinned: the base image is a build argument, so no single Debian version string fits every base.
# hadolint ignore=DL3008
RUN if [ "${SERVICE}" = "builder" ] || [ "${SERVICE}" = "approval" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --gid 10001 greenlight \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin greenlight
COPY --from=build /opt/venv /opt/venv
# HOME=/tmp: git wants a writable home, and the root filesystem is read-only in the cluster.
# GREENLIGHT_HTTP_HOST: in a container the health port must be reachable from outside it.
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GREENLIGHT_SERVICE=${SERVICE} \
    GREENLIGHT_HTTP_HOST=0.0.0.0 \
    GREENLIGHT_LOG_JSON=true
LABEL org.opencontainers.image.title="greenlight-${SERVICE}" \
      org.opencontainers.image.description="Greenlight ${SERVICE} service"
USER 10001:10001
# exec: python becomes PID 1 and receives SIGTERM itself (aiohttp drains in-flight work on it).
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"services.${GREENLIGHT_SERVICE}\" \"$@\"", "greenlight"]
