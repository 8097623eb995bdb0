#!/usr/bin/env bash
# The test command: sets up a fresh machine (scripts/setup.sh, scripts/infra/up.sh), then runs
# ruff, mypy and the whole pytest suite against real RabbitMQ, podman, registries and HAProxy.
# Extra arguments go to pytest, e.g. ./scripts/test.sh tests/shared -x
# What this run starts (podman's socket, registries, moto, HAProxy, RabbitMQ) it stops when it ends,
# whatever the outcome; what was already running is left as it was.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=scripts/infra/common.sh
source scripts/infra/common.sh
broker_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
running_before="$(started_services)"
broker_before=0
[[ -n "${AMQP_URL:-}" ]] || ! broker_up || broker_before=1
finish() {
    stop_services_except "$running_before"
    if ((!broker_before)) && [[ -z "${AMQP_URL:-}" ]] && broker_up; then
        step "stopping RabbitMQ, started by this run"
        rabbitmqctl -q stop >/dev/null 2>&1 || true
    fi
}
trap finish EXIT
./scripts/setup.sh
./scripts/infra/up.sh
# shellcheck disable=SC1091
[ -f .local/env ] && source .local/env
echo "[test] ruff"; .venv/bin/ruff check .
echo "[test] mypy"; .venv/bin/mypy
echo "[test] pytest"; .venv/bin/pytest -q -p no:cacheprovider "$@"
