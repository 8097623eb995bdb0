# Sourced by the infra scripts: paths, logging and small helpers shared by all of them.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$REPO/.local"
# Resolved: checkouts that share one .local (a symlink) then write identical configs, and a config that
# only differs by the path spelling does not restart a registry another checkout is using.
LOCAL="$(cd "$REPO/.local" && pwd -P)"

step() { printf '[infra:%s] %s\n' "$(basename "$0" .sh)" "$*"; }

# apt-get install only the packages whose command is missing; `apt-get update` once per boot.
need_packages() {
    local missing=()
    while (($#)); do
        command -v "$1" >/dev/null 2>&1 || missing+=("$2")
        shift 2
    done
    ((${#missing[@]})) || return 0
    step "installing ${missing[*]}"
    if [[ ! -e /tmp/.greenlight-apt-updated ]]; then
        apt-get update -qq && touch /tmp/.greenlight-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# wait_until TIMEOUT_SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds, bounded.
wait_until() {
    local timeout=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            step "ERROR: $what did not come up within ${timeout}s"
            return 1
        fi
        sleep 0.2
    done
}

http_ok() { curl -fs -o /dev/null --max-time 2 "$@"; }

# start_bg NAME LOGFILE COMMAND...: detach COMMAND (survives this script), pid in $LOCAL/NAME.pid.
start_bg() {
    local name=$1 logfile=$2
    shift 2
    nohup setsid "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$LOCAL/$name.pid"
}

# port_holder PORT: "<pid> <command line>" of the process listening on TCP PORT, or nothing when it is free.
port_holder() {
    local line pid
    line="$(ss -ltnpH "sport = :$1" 2>/dev/null | head -n 1)"
    [[ -n "$line" ]] || return 0
    pid="$(grep -o 'pid=[0-9]*' <<<"$line" | head -n 1 | cut -d= -f2)"
    if [[ -z "$pid" ]]; then
        echo "? (a process this user cannot see)"
    else
        echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
    fi
}

# started_here NAME PID: whether PID is the process this checkout started as NAME ($LOCAL/NAME.pid) or a
# descendant of it (HAProxy's worker, the approval service under `greenlight up`).
started_here() {
    local ours pid=$2
    ours="$(cat "$LOCAL/$1.pid" 2>/dev/null)" || return 1
    while [[ -n "$pid" && "$pid" != 0 && "$pid" != 1 ]]; do
        [[ "$pid" == "$ours" ]] && return 0
        pid="$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)"
    done
    return 1
}

# claim_port NAME PORT HOW: succeed when PORT is free or held by what this checkout started as NAME;
# otherwise say who holds it and fail. A port is never silently shared with another checkout: its
# HAProxy, registry or API would answer for this one (HAProxy even shares a port: SO_REUSEPORT).
claim_port() {
    local name=$1 port=$2 how=$3 holder
    holder="$(port_holder "$port")"
    [[ -z "$holder" ]] && return 0
    started_here "$name" "${holder%% *}" && return 0
    step "ERROR: port $port (for $name) is held by another process, not by this checkout ($REPO): pid $holder. Stop it, or $how" >&2
    return 1
}

# started_services: the names of $LOCAL/NAME.pid whose process is alive, one per line.
started_services() {
    local pidfile
    for pidfile in "$LOCAL"/*.pid; do
        [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && basename "$pidfile" .pid
    done
    return 0
}

# stop_services_except "NAMES": stop (SIGTERM, then wait up to 15 s) every started service not named in
# NAMES (a newline-separated list, as `started_services` printed it before), so a run stops what it started.
stop_services_except() {
    local name pid
    for name in $(started_services); do
        grep -qxF "$name" <<<"$1" && continue
        pid="$(cat "$LOCAL/$name.pid")"
        step "stopping $name (pid $pid), started by this run"
        kill "$pid" 2>/dev/null || continue
        wait_until 15 "$name stop" bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
        rm -f "$LOCAL/$name.pid"
    done
}
