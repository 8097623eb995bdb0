#!/usr/bin/env bash
# Everything the builder/pusher tests talk to, started once and reused: podman's API socket and
# base images, three loopback registries and moto. Idempotent; a second run takes about a second.
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
