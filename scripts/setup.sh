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

# PostgreSQL for the read model's tests (the services default to SQLite under .local/). This machine kind
# starts it before a session; a fresh machine without it gets Debian's package, trusting local connections.
pg_up() { .venv/bin/python - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}
if pg_up; then
  say "PostgreSQL answers on 127.0.0.1:5432"
else
  apt_install pg_ctlcluster postgresql
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q "greenlight: trust loopback" "$hba"; then
    # Tests connect as `postgres` over loopback without a password, as on the machines this project runs on.
    sed -i '1i host all all 127.0.0.1/32 trust # greenlight: trust loopback' "$hba"
  fi
  say "starting PostgreSQL $version (pg_ctlcluster)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 100); do pg_up && break; sleep 0.2; done
  pg_up || { echo "PostgreSQL did not start; see /var/log/postgresql" >&2; exit 1; }
  say "PostgreSQL is up"
fi
