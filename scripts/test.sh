#!/usr/bin/env bash
# The test command: sets up a fresh machine (scripts/setup.sh, scripts/infra/up.sh), then runs
# ruff, mypy and the whole pytest suite against real RabbitMQ, podman, registries and HAProxy.
# Extra arguments go to pytest, e.g. ./scripts/test.sh tests/shared -x
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
./scripts/setup.sh
./scripts/infra/up.sh
# shellcheck disable=SC1091
[ -f .local/env ] && source .local/env
echo "[test] ruff"; .venv/bin/ruff check .
echo "[test] mypy"; .venv/bin/mypy
echo "[test] pytest"; .venv/bin/pytest -q -p no:cacheprovider "$@"
