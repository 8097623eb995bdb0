#!/usr/bin/env bash
# moto's server on 127.0.0.1:5003: the ECR API (and STS) for the pusher tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MOTO="$REPO/.venv/bin/moto_server"
if [[ ! -x "$MOTO" ]]; then
    step "ERROR: $MOTO missing: run \`.venv/bin/pip install -e '.[dev]'\` first"
    exit 1
fi
claim_port moto 5003 "free it: the pusher tests expect this checkout's moto there" || exit 1
if http_ok "http://127.0.0.1:5003/moto-api/"; then
    step "moto already answering on 127.0.0.1:5003"
else
    step "starting moto_server on 127.0.0.1:5003 (log: $LOCAL/moto.log)"
    start_bg moto "$LOCAL/moto.log" "$MOTO" -H 127.0.0.1 -p 5003
    wait_until 30 "moto_server" http_ok "http://127.0.0.1:5003/moto-api/"
    step "moto answering"
fi
step "moto ready: AWS_ENDPOINT_URL=http://127.0.0.1:5003 (any AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
