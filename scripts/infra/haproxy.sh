#!/usr/bin/env bash
# HAProxy for the local platform: it plays the Kubernetes Service in front of each app's colours.
#   live frontend     127.0.0.1:${GREENLIGHT_LOCAL_LIVE_PORT:-8088}
#   preview frontend  127.0.0.1:${GREENLIGHT_LOCAL_PREVIEW_PORT:-8089}
#   admin socket      $REPO/.local/haproxy/admin.sock (runtime API, level admin, expose-fd listeners)
# The config comes from services/shared/local/haproxy_conf.py (same GREENLIGHT_LOCAL_* settings as the
# deployer and switcher). Apps are attached at run time through the socket, never by a reload; after a
# restart this script re-attaches them from their state files (services/shared/local/reattach.py), as the
# platform's next call for an app would.
# Usage: haproxy.sh [--restart]   (--restart regenerates the config and restarts HAProxy)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RESTART=0
for arg in "$@"; do
    case $arg in
        --restart) RESTART=1 ;;
        *) echo "usage: $0 [--restart]" >&2; exit 2 ;;
    esac
done

PY="$REPO/.venv/bin/python"
if [[ ! -x "$PY" ]]; then
    step "ERROR: $PY missing: run scripts/setup.sh first"
    exit 1
fi
need_packages haproxy haproxy

setting() { (cd "$REPO" && "$PY" -c "from services.shared.local.settings import LocalSettings as S; print($1)"); }
SOCK="$(setting 'S().socket')"
LIVE_PORT="$(setting 'S().live_port')"
PREVIEW_PORT="$(setting 'S().preview_port')"
PIDFILE="$LOCAL/haproxy.pid"

socket_answers() {
    (cd "$REPO" && "$PY" - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
try:
    s.connect(sys.argv[1])
    s.sendall(b"show info\n")
    sys.exit(0 if b"Name: HAProxy" in s.recv(4096) else 1)
except OSError:
    sys.exit(1)
PY
    )
}

if ((RESTART)) && [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    step "restarting: stopping HAProxy (pid $(cat "$PIDFILE"))"
    kill "$(cat "$PIDFILE")"
    wait_until 15 "HAProxy stop" bash -c "! kill -0 $(cat "$PIDFILE")"
fi

claim_port haproxy "$LIVE_PORT" "set GREENLIGHT_LOCAL_LIVE_PORT to a free port" || exit 1
claim_port haproxy "$PREVIEW_PORT" "set GREENLIGHT_LOCAL_PREVIEW_PORT to a free port" || exit 1
if socket_answers; then
    step "HAProxy already answers on $SOCK"
    # A running HAProxy keeps the config it started with: one from older code would look runtime maps up
    # by other keys (checks.map: per slot, now per slot and colour).
    if ! (cd "$REPO" && "$PY" -c "from services.shared.local.haproxy_conf import render; from services.shared.local.settings \
import LocalSettings as S; import sys; s = S(); sys.exit((s.haproxy_dir / 'haproxy.cfg').read_text() != render(s))"); then
        if ((RESTART)); then
            step "ERROR: its config still differs from what this code generates after a restart"; exit 1
        fi
        step "its config differs from what this code generates: restarting it"
        exec "$0" --restart
    fi
else
    CONFIG="$(cd "$REPO" && "$PY" -m services.shared.local.haproxy_conf)"
    haproxy -c -q -f "$CONFIG" || { step "ERROR: generated config $CONFIG is invalid"; exit 1; }
    rm -f "$SOCK"
    step "starting HAProxy with $CONFIG (log: $LOCAL/haproxy.log)"
    # -W master-worker, -db in the foreground (start_bg detaches it and records the pid).
    start_bg haproxy "$LOCAL/haproxy.log" haproxy -W -db -f "$CONFIG"
    wait_until 20 "HAProxy admin socket" socket_answers
    step "HAProxy answers"
fi
# A HAProxy just started routes no app: each app with a state file gets its slot and live and preview pointers back
# now, not only on the platform's next call for it (none comes for an app with no release under way), and after a
# reboot the containers its marks say run are started again first.
if ! (cd "$REPO" && "$PY" -m services.shared.local.reattach); then
    step "WARNING: could not route the apps again (services/shared/local/reattach.py): they answer 503 until their next call"
fi
step "proxy ready: live $(setting 'S().live_url(S().default_app)'), preview $(setting 'S().preview_url(S().default_app)'); other apps: Host <app>.localhost"
