#!/usr/bin/env bash
# Prepares a fresh machine for Greenlight: venv + packages, RabbitMQ reachable.
# Idempotent and quick when already done. Infrastructure for the engine, registries and
# proxy is scripts/infra/up.sh.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
apt_install() {  # apt_install CMD PACKAGE...: installs the packages when CMD is missing
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  say "installing $* (apt)"
  if [ ! -f "$REPO/.local/apt-updated" ]; then
    apt-get update -qq && mkdir -p "$REPO/.local" && touch "$REPO/.local/apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

apt_install git git
apt_install chromium chromium   # the dashboard's real-browser tests (playwright drives it)
apt_install haproxy haproxy     # the local platform's proxy; `haproxy -c` checks compose/haproxy.cfg

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=".venv/.greenlight-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing Python packages (pip install -e '.[dev]')"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
else
  say "Python packages up to date"
fi

amqp_up() { .venv/bin/python - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}
if [ -n "${AMQP_URL:-}" ]; then
  say "using AMQP_URL from the environment"
elif amqp_up; then
  say "RabbitMQ answers on 127.0.0.1:5672"
else
  apt_install rabbitmq-server rabbitmq-server
  say "starting RabbitMQ (rabbitmq-server -detached)"
  rabbitmq-server -detached
  timeout 120 rabbitmqctl await_startup >/dev/null 2>&1 || { echo "RabbitMQ did not start within 120 s; see /var/log/rabbitmq" >&2; exit 1; }
  say "RabbitMQ is up"
fi
