#!/usr/bin/env bash
# Everything the tests talk to besides RabbitMQ, started once and reused: podman's API socket and
# base images, three loopback registries, moto, and HAProxy for the local platform (haproxy.sh).
# Idempotent; a second run takes a second or two.
# Usage: up.sh [--python-base]   (also builds localhost/greenlight/python:3.11, a few minutes once)
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
podman_args=()
for arg in "$@"; do
    case $arg in
        --python-base) podman_args+=(--python-base) ;;
        *) echo "usage: $0 [--python-base]" >&2; exit 2 ;;
    esac
done
bash "$here/podman.sh" "${podman_args[@]}"
bash "$here/registry.sh"
bash "$here/moto.sh"
bash "$here/haproxy.sh"
