#!/usr/bin/env bash
# Real OCI registries on loopback for the pusher tests (Debian's docker-registry, i.e. distribution 2.8):
#   127.0.0.1:5001  anonymous
#   127.0.0.1:5002  htpasswd: user `greenlight`, password $GREENLIGHT_REGISTRY_PASSWORD or .local/registry/password
#   127.0.0.1:5004  htpasswd: user `AWS`, password = the one in moto's ECR authorization token. It stands in
#                   for ECR's registry endpoint, since moto serves the ECR API but cannot hold image layers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_packages docker-registry docker-registry htpasswd apache2-utils

REGDIR="$LOCAL/registry"
mkdir -p "$REGDIR"

PASSWORD_FILE="$REGDIR/password"
if [[ -n "${GREENLIGHT_REGISTRY_PASSWORD:-}" ]]; then
    printf '%s' "$GREENLIGHT_REGISTRY_PASSWORD" >"$PASSWORD_FILE"
elif [[ ! -s "$PASSWORD_FILE" ]]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$PASSWORD_FILE"
fi
chmod 600 "$PASSWORD_FILE"
# moto's get_authorization_token password is deterministic: "<account id>-auth-token".
MOTO_ACCOUNT="${MOTO_ACCOUNT_ID:-123456789012}"

# write_htpasswd FILE USER PASSWORD: rewritten only when the password no longer verifies.
write_htpasswd() {
    if [[ -s "$1" ]] && htpasswd -vb "$1" "$2" "$3" >/dev/null 2>&1; then
        return 1
    fi
    htpasswd -Bbn "$2" "$3" >"$1"
}

# run_registry NAME PORT [HTPASSWD_FILE USER PASSWORD]
run_registry() {
    local name=$1 port=$2 htpasswd_file=${3:-} user=${4:-} password=${5:-} dir="$REGDIR/$1" config restart=0
    config="$dir/config.yml"
    mkdir -p "$dir/data"
    {
        echo "version: 0.1"
        echo "log: {level: info, accesslog: {disabled: true}}"
        echo "storage:"
        echo "  filesystem: {rootdirectory: $dir/data}"
        echo "  delete: {enabled: true}"
        echo "http:"
        echo "  addr: 127.0.0.1:$port"
        echo "  secret: greenlight-local-$name"
        echo "  headers: {X-Content-Type-Options: [nosniff]}"
        if [[ -n "$htpasswd_file" ]]; then
            echo "auth:"
            echo "  htpasswd: {realm: greenlight-$name, path: $htpasswd_file}"
        fi
    } >"$config.new"
    if cmp -s "$config.new" "$config"; then rm "$config.new"; else mv "$config.new" "$config"; restart=1; fi
    if [[ -n "$htpasswd_file" && -f "$dir/.htpasswd-changed" ]]; then restart=1; rm -f "$dir/.htpasswd-changed"; fi

    local pidfile="$LOCAL/registry-$name.pid"
    if ((restart)) && [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        step "$name: config changed, restarting"
        kill "$(cat "$pidfile")"
        wait_until 10 "$name registry stop" bash -c "! kill -0 $(cat "$pidfile")"
    fi
    claim_port "registry-$name" "$port" "free it: the tests and the demo expect this checkout's registry there" \
        || exit 1
    # An htpasswd registry answers /v2/ with 401: any HTTP answer means it is up.
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/v2/"; then
        step "$name: already answering on 127.0.0.1:$port"
        if [[ -n "$user" ]] && ! curl -fs -o /dev/null --max-time 2 -u "$user:$password" "http://127.0.0.1:$port/v2/"; then
            step "WARNING: $name on :$port refuses this tree's password: it was started from another checkout" \
                "(stop it, or share GREENLIGHT_REGISTRY_PASSWORD)"
        fi
        return
    fi
    step "$name: starting on 127.0.0.1:$port (log: $dir/registry.log)"
    start_bg "registry-$name" "$dir/registry.log" docker-registry serve "$config"
    wait_until 30 "$name registry" curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/v2/"
    step "$name: answering"
}

mkdir -p "$REGDIR/auth" "$REGDIR/ecr"
write_htpasswd "$REGDIR/auth/htpasswd" greenlight "$(cat "$PASSWORD_FILE")" && touch "$REGDIR/auth/.htpasswd-changed"
write_htpasswd "$REGDIR/ecr/htpasswd" AWS "$MOTO_ACCOUNT-auth-token" && touch "$REGDIR/ecr/.htpasswd-changed"

run_registry anon 5001
run_registry auth 5002 "$REGDIR/auth/htpasswd" greenlight "$(cat "$PASSWORD_FILE")"
run_registry ecr 5004 "$REGDIR/ecr/htpasswd" AWS "$MOTO_ACCOUNT-auth-token"
step "registries ready: anonymous 127.0.0.1:5001, greenlight@127.0.0.1:5002 (password in $PASSWORD_FILE), AWS@127.0.0.1:5004 (ECR stand-in)"
