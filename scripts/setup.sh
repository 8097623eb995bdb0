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
apt_install prometheus prometheus   # analysis checks: a real Prometheus scraping the events app in the tests
apt_install ip iproute2         # tests/cluster: each RabbitMQ node of the test cluster in its own network namespace
apt_install iptables iptables  # tests/db: a database client's host that vanishes without a word (its packets dropped)
apt_install sqlite3 sqlite3       # the README's backup and restore of the SQLite read model, and its test
apt_install pg_restore postgresql-client  # psql, pg_dump, pg_restore: the tests' databases, the PostgreSQL backup and its test
apt_install rabbitmq-server rabbitmq-server  # tests/cluster runs three nodes of its own from the package

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

# Up means it greets an AMQP client, not merely that the port accepts: a wedged broker once accepted TCP
# connections and never answered the protocol header.
amqp_up() { .venv/bin/python - <<'PY'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", 5672), timeout=3) as s:
        s.sendall(b"AMQP\x00\x00\x09\x01")
        sys.exit(0 if s.recv(1) == b"\x01" else 1)  # frame type 1: the broker's Connection.Start
except OSError:
    sys.exit(1)
PY
}
# The node the machine starts goes through the Debian wrapper's `su`, whose PAM limits leave it 1,024 open files:
# it answers, and later wedges under the tests (a session saw it stop greeting clients mid-run).
few_open_files() {
  local pid soft
  pid=$(pgrep -o -u rabbitmq beam.smp) || return 1
  soft=$(awk '/^Max open files/ {print $4}' "/proc/$pid/limits" 2>/dev/null)
  [ -n "$soft" ] && [ "$soft" != unlimited ] && [ "$soft" -lt 4096 ]
}
# Quorum queues share one write-ahead log. When it rolls over, every queue it holds is written out to its own
# segments before the log takes a new queue: a CI run once waited 15 s at a start (its connect bound) while
# RabbitMQ's default 512 MiB log held thousands of the suite's deleted queues. At 64 MiB a roll-over holds an
# eighth of them (measured: 3,000 deleted queues stalled a declaration 2.0 s at 512 MiB, 0.8 s at 64 MiB).
WAL_CONF=/etc/rabbitmq/conf.d/90-greenlight-tests.conf
WAL_BYTES=67108864
wal_unbounded() {
  [ "$(timeout 30 rabbitmqctl eval 'application:get_env(ra, wal_max_size_bytes).' 2>/dev/null)" != "{ok,$WAL_BYTES}" ]
}
bound_wal() {
  [ "$(cat "$WAL_CONF" 2>/dev/null)" = "raft.wal_max_size_bytes = $WAL_BYTES" ] && return
  say "bounding RabbitMQ's quorum write-ahead log to 64 MiB ($WAL_CONF)"
  { mkdir -p "$(dirname "$WAL_CONF")" && echo "raft.wal_max_size_bytes = $WAL_BYTES" > "$WAL_CONF" \
    && chmod 644 "$WAL_CONF"; } 2>/dev/null || say "could not write $WAL_CONF: the log keeps RabbitMQ's own bound"
}
if [ -n "${AMQP_URL:-}" ]; then
  say "using AMQP_URL from the environment"
elif amqp_up && ! few_open_files && ! wal_unbounded; then
  say "RabbitMQ answers on 127.0.0.1:5672"
else
  apt_install rabbitmq-server rabbitmq-server
  # The Debian wrapper starts it through `su`, whose PAM limits leave 1,024 open files: the test processes
  # at once (quorum queues, streams, hundreds of connections) wedged a broker with that many (it stopped
  # accepting connections). As the rabbitmq user, with the soft limit raised as far as the hard one allows.
  start_rabbitmq() {
    say "starting RabbitMQ (rabbitmq-server -detached, up to 20,000 open files)"
    (cd /var/lib/rabbitmq && su rabbitmq -s /bin/sh -c \
      'ulimit -n "$(ulimit -Hn | sed "s/unlimited/65536/")" 2>/dev/null; /usr/lib/rabbitmq/bin/rabbitmq-server -detached') || true
  }
  bound_wal
  # A node still booting answers `rabbitmqctl eval` before AMQP, and one too early to answer is restarted too.
  if pgrep -u rabbitmq beam.smp >/dev/null && { few_open_files || { [ -f "$WAL_CONF" ] && wal_unbounded; }; }; then
    say "restarting RabbitMQ with more open files and a 64 MiB quorum log (it runs with $(awk \
      '/^Max open files/ {print $4}' "/proc/$(pgrep -o -u rabbitmq beam.smp)/limits") open files)"
    timeout 30 rabbitmqctl stop >/dev/null 2>&1 || pkill -9 -u rabbitmq beam.smp || true
    for i in $(seq 1 30); do pgrep -u rabbitmq beam.smp >/dev/null || break; sleep 1; done
    pkill -9 -u rabbitmq beam.smp || true
  fi
  # A node may be booting (the machine starts it just before CI) or down: wait for the listener, starting the
  # node only when no Erlang VM of the rabbitmq user runs, and afresh if it still does not answer at half time.
  # `rabbitmqctl await_startup` alone failed at once in CI against a node whose VM was not up yet.
  for i in $(seq 1 120); do
    amqp_up && break
    pgrep -u rabbitmq beam.smp >/dev/null || start_rabbitmq
    if [ "$i" = 60 ]; then  # still silent: a wedged node is stopped, then any node started afresh
      pgrep -u rabbitmq beam.smp >/dev/null && { timeout 30 rabbitmqctl stop >/dev/null 2>&1 || pkill -9 -u rabbitmq beam.smp || true; }
      start_rabbitmq
    fi
    sleep 1
  done
  amqp_up || { echo "RabbitMQ did not answer on 127.0.0.1:5672 within 120 s; see /var/log/rabbitmq" >&2; exit 1; }
  say "RabbitMQ is up"
fi
# Worker queues partitioned by app (GREENLIGHT_PARTITIONS, services/shared/partitions.py) route through the
# consistent-hash exchange: a plugin that ships with RabbitMQ, enabled on a running node without a restart.
if [ -z "${AMQP_URL:-}" ] && command -v rabbitmq-plugins >/dev/null 2>&1; then
  if rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_consistent_hash_exchange; then
    say "RabbitMQ plugin rabbitmq_consistent_hash_exchange enabled"
  else
    say "enabling the RabbitMQ plugin rabbitmq_consistent_hash_exchange"
    rabbitmq-plugins enable rabbitmq_consistent_hash_exchange >/dev/null
  fi
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

# Redis for the events app's shared-allowance tests (EVENTS_REDIS_URL; tests/events_app/test_ea_redis_*). This
# machine kind starts it before a session; a fresh machine without it gets Debian's package, started as the machine
# kind starts it: loopback only, nothing kept on disk. Up means it answers PING, not merely that the port accepts.
redis_up() { .venv/bin/python - <<'PY'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
        s.sendall(b"PING\r\n")
        sys.exit(0 if s.recv(7).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}
if [ -n "${EVENTS_TEST_REDIS_URL:-}" ]; then
  say "using EVENTS_TEST_REDIS_URL from the environment"
elif redis_up; then
  say "Redis answers on 127.0.0.1:6379"
else
  apt_install redis-server redis-server
  if ! redis_up; then  # the package's own start may have worked where an init system runs
    say "starting Redis (redis-server --daemonize yes, nothing on disk)"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  fi
  redis_up || { echo "Redis did not start on 127.0.0.1:6379; see /var/log/redis/ci.log" >&2; exit 1; }
  say "Redis is up"
fi
