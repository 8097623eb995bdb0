#!/usr/bin/env bash
# The README's first command: set up this machine, start Greenlight, and release the events app from this
# repository's own git history: build, push, deploy the standby colour, wait for approval, switch.
#
#   scripts/demo.sh                  interactive: prints how to approve (CLI command and dashboard)
#   scripts/demo.sh --auto-approve   unattended: approves as the dev approver
#   scripts/demo.sh --stop           stops the Greenlight services this script started
#
# Safe to re-run: every set-up step is skipped when already done, a running Greenlight is reused, and a
# commit that is already live is reported instead of released again. Greenlight is LEFT RUNNING at the
# end (so the live and preview URLs and the dashboard keep answering); `scripts/demo.sh --stop` stops it.
# Local platform: colours are containers on podman behind HAProxy (live :8088, preview :8089).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
LOCAL="$REPO/.local"
say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[demo] %s\033[0m\n' "$*" >&2; exit 1; }

API="http://127.0.0.1:${GREENLIGHT_API_PORT:-8000}"
UP_PID="$LOCAL/greenlight-up.pid"
UP_LOG="$LOCAL/greenlight-up.log"
ENV_FILE="$LOCAL/demo.env"
APP_BASE="localhost/greenlight/tmapp-base:3.11"
demo_args=()
for arg in "$@"; do
    case $arg in
        --stop)
            if [[ -f "$UP_PID" ]] && kill -0 "$(cat "$UP_PID")" 2>/dev/null; then
                say "stopping greenlight up (pid $(cat "$UP_PID")); the services drain and stop"
                kill "$(cat "$UP_PID")"
            else
                say "greenlight up is not running (from this script)"
            fi
            exit 0 ;;
        --auto-approve) demo_args+=(--auto-approve) ;;
        *) echo "usage: $0 [--auto-approve] [--stop]" >&2; exit 2 ;;
    esac
done

say "1/5 venv, packages, RabbitMQ (scripts/setup.sh)"
./scripts/setup.sh || die "scripts/setup.sh failed: see its output above"
say "2/5 container engine, registries, python base image (scripts/infra/up.sh --python-base)"
./scripts/infra/up.sh --python-base || die "scripts/infra/up.sh failed: see its output above"
say "3/5 HAProxy (scripts/infra/haproxy.sh)"
./scripts/infra/haproxy.sh || die "scripts/infra/haproxy.sh failed: see its output above"

# The events app's Dockerfile pip-installs its requirements, and containers are not guaranteed a route
# to PyPI. So the base it builds FROM already holds them: wheels fetched here on the host, installed
# offline into /opt/venv. The Dockerfile's own `pip install` then finds everything satisfied.
say "4/5 the events app's base image ($APP_BASE)"
export DOCKER_HOST="${DOCKER_HOST:-unix://$LOCAL/podman.sock}"
engine() { podman --remote --url "$DOCKER_HOST" "$@"; }
requirements="$REPO/events_app/requirements.txt"
wanted="$(sha256sum "$requirements" | cut -c1-16)"
have="$(engine image inspect --format '{{ index .Labels "greenlight.requirements" }}' "$APP_BASE" 2>/dev/null || true)"
if [[ "$have" == "$wanted" ]]; then
    say "    present for these requirements"
else
    context="$(mktemp -d)"
    trap 'rm -rf "$context"' EXIT
    say "    fetching wheels on the host (pip wheel -r events_app/requirements.txt)"
    .venv/bin/pip wheel -q --wheel-dir "$context/wheels" -r "$requirements" 2> >(grep -v "is ignored" >&2) \
        || die "could not fetch the events app's wheels from PyPI (pip wheel failed above)"
    cp "$requirements" "$context/wheels/requirements.txt"
    cat >"$context/Containerfile" <<CONTAINERFILE
FROM localhost/greenlight/python:3.11
LABEL greenlight.requirements="$wanted"
COPY wheels /wheels
# python: the events app's Dockerfile calls it by that name; Debian's python3 package does not ship it.
RUN ln -sf python3 /usr/bin/python \\
 && python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-index --no-cache-dir --find-links /wheels -r /wheels/requirements.txt \\
 && rm -rf /wheels
CONTAINERFILE
    engine build -q -t "$APP_BASE" -f "$context/Containerfile" "$context" >/dev/null \
        || die "building $APP_BASE failed (is localhost/greenlight/python:3.11 there? scripts/infra/podman.sh --python-base)"
    rm -rf "$context"
    trap - EXIT
    say "    built"
fi

# What `greenlight up` gives every service: this checkout's own broker vhost, local platform, dev tokens,
# local repositories, the engine, and the base image above as the events app's BASE_IMAGE build argument.
amqp_url="$(./scripts/infra/vhost.sh)" || die "could not set up this checkout's RabbitMQ vhost (see above)"
mkdir -p "$LOCAL/platform"
cat >"$ENV_FILE" <<ENV
AMQP_URL=$amqp_url
GREENLIGHT_PLATFORM=local
GREENLIGHT_API_DEV_TOKENS=true
GREENLIGHT_API_COLOUR_FACTS=true
GREENLIGHT_ALLOW_LOCAL_REPOS=true
DOCKER_HOST=$DOCKER_HOST
GREENLIGHT_BUILDER_REGISTRY=127.0.0.1:5001
GREENLIGHT_PUSHER_REGISTRY=127.0.0.1:5001
GREENLIGHT_BUILDER_BUILD_ARGS='{"BASE_IMAGE":"$APP_BASE"}'
GREENLIGHT_DEPLOYER_ROLLOUT_TIMEOUT=180
ENV
# tmapp's greenlight.yaml takes TICKETMASTER_API_KEY from the secret tmapp-secrets; empty = bundled sample.
secrets="$LOCAL/platform/secrets.json"
if [[ ! -f "$secrets" ]]; then
    printf '{"tmapp-secrets": {"ticketmaster-api-key": "%s"}}\n' "${TICKETMASTER_API_KEY:-}" >"$secrets"
    chmod 600 "$secrets"
    say "    wrote $secrets (put a Ticketmaster key there for live data; empty serves the bundled sample)"
fi

api_ready() { curl -fs -o /dev/null --max-time 2 "$API/readyz"; }
say "5/5 Greenlight services"
# shellcheck source=scripts/infra/common.sh
source ./scripts/infra/common.sh
# An API on the port that this checkout did not start (another clone's Greenlight) must not be reused:
# it would release that checkout's platform, not this one's.
claim_port greenlight-up "${GREENLIGHT_API_PORT:-8000}" "set GREENLIGHT_API_PORT to a free port" \
    || die "another Greenlight answers on $API; this checkout's demo will not use it"
if api_ready; then
    say "    already running ($API)"
else
    say "    starting: greenlight up (log: $UP_LOG)"
    # The events app is not run directly here: Greenlight releases it onto the local platform.
    nohup setsid .venv/bin/greenlight up --only approval,builder,pusher,deployer,switcher \
        --env-file "$ENV_FILE" >>"$UP_LOG" 2>&1 </dev/null &
    echo $! >"$UP_PID"
    for _ in $(seq 1 300); do
        api_ready && break
        kill -0 "$(cat "$UP_PID")" 2>/dev/null || die "greenlight up exited; the end of $UP_LOG says why:
$(tail -n 20 "$UP_LOG")"
        sleep 0.3
    done
    api_ready || die "the approval API did not answer at $API within 90 s; see $UP_LOG"
fi

say "releasing the events app (tmapp) from $(git rev-parse --short HEAD) of this repository"
status=0
GREENLIGHT_URL="$API" GREENLIGHT_PLATFORM=local .venv/bin/greenlight demo "${demo_args[@]}" || status=$?
say "Greenlight keeps running (log: $UP_LOG); stop it with: scripts/demo.sh --stop"
exit "$status"
