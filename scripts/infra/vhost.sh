#!/usr/bin/env bash
# This checkout's broker namespace for the local platform: a RabbitMQ vhost named after the checkout and
# the identity of its .local/ (a random id made with .local/), created here. The platform (containers,
# HAProxy, marks) lives in .local/, so its release log must too: a second clone, or this one after .local/
# was removed, then starts from an empty log instead of following another platform's releases.
# Prints the AMQP URL to use. An AMQP_URL already set is the operator's choice and is printed as it is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -n "${AMQP_URL:-}" ]]; then
    echo "$AMQP_URL"
    exit 0
fi
ID_FILE="$LOCAL/platform-id"
[[ -s "$ID_FILE" ]] || od -An -N6 -tx1 /dev/urandom | tr -d ' \n' >"$ID_FILE"
checkout="$(basename "$REPO" | tr -c 'a-zA-Z0-9_.-' '-' | cut -c1-40)"
VHOST="greenlight-$checkout-$(cat "$ID_FILE")"
if ! rabbitmqctl -q list_vhosts 2>/dev/null | grep -qxF "$VHOST"; then
    step "creating RabbitMQ vhost $VHOST for this checkout's platform" >&2
    rabbitmqctl -q add_vhost "$VHOST" >/dev/null \
        || { step "ERROR: rabbitmqctl add_vhost $VHOST failed; set AMQP_URL to a vhost of your own" >&2; exit 1; }
    rabbitmqctl -q set_permissions -p "$VHOST" guest '.*' '.*' '.*' >/dev/null
fi
echo "amqp://guest:guest@127.0.0.1:5672/$VHOST"
