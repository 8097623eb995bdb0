# Sourced by the infra scripts: paths, logging and small helpers shared by all of them.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$REPO/.local"
mkdir -p "$LOCAL"

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
