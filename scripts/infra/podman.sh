#!/usr/bin/env bash
# A Docker-compatible engine for the tests: podman's API service on a unix socket under .local/,
# plus the base images the fixtures build FROM (no public registry can be reached here).
# Usage: podman.sh [--python-base]   (the python base takes a few minutes the first time)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PYTHON_BASE=0
for arg in "$@"; do
    case $arg in
        --python-base) PYTHON_BASE=1 ;;
        *) echo "usage: $0 [--python-base]" >&2; exit 2 ;;
    esac
done

PODDIR="$LOCAL/podman"
SOCK="$LOCAL/podman.sock"
mkdir -p "$PODDIR"

need_packages curl curl podman podman runc runc busybox busybox-static debootstrap debootstrap

# Our own config files keep the machine's /etc/containers untouched; every podman call here uses them.
export CONTAINERS_CONF="$PODDIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$PODDIR/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$PODDIR/registries.conf"
# The fastest storage driver that works here, tried in order. Native overlay shares layers through
# the kernel (a code-only rebuild 2.5 s vs 84.7 s with vfs, which copies the whole filesystem per
# layer); fuse-overlayfs where the kernel refuses overlay (e.g. the graphroot is itself on overlay);
# vfs always works. Each driver gets its own graphroot: podman refuses to open a store made by
# another driver, so a switch (or an old .local from before this choice) never breaks a re-run.
probe_overlay() {  # probe_overlay native|fuse: mounts a one-file overlay under $PODDIR and reads it back
    local dir ok=1
    dir="$(mktemp -d "$PODDIR/probe.XXXXXX")"
    mkdir -p "$dir/lower" "$dir/upper" "$dir/work" "$dir/merged"
    echo ok >"$dir/lower/f"
    local opts="lowerdir=$dir/lower,upperdir=$dir/upper,workdir=$dir/work"
    if [[ $1 == native ]]; then
        mount -t overlay overlay -o "$opts" "$dir/merged" 2>"$dir/err" && ok=0
    else
        command -v fuse-overlayfs >/dev/null && [[ -e /dev/fuse ]] \
            && fuse-overlayfs -o "$opts" "$dir/merged" 2>"$dir/err" && ok=0
    fi
    if ((ok == 0)); then
        [[ "$(cat "$dir/merged/f" 2>/dev/null)" == ok ]] || ok=1
        umount "$dir/merged" 2>/dev/null || fusermount -u "$dir/merged" 2>/dev/null || true
    fi
    PROBE_ERROR="$(head -c 200 "$dir/err" 2>/dev/null | tr '\n' ' ')"
    rm -rf "$dir"
    return $ok
}
choose_driver() {
    if [[ -n "${GREENLIGHT_PODMAN_DRIVER:-}" ]]; then
        DRIVER=$GREENLIGHT_PODMAN_DRIVER DRIVER_WHY="GREENLIGHT_PODMAN_DRIVER"
        return
    fi
    if probe_overlay native; then
        DRIVER=overlay DRIVER_WHY="native overlay mounts here"
        return
    fi
    local native_error=$PROBE_ERROR
    need_packages fuse-overlayfs fuse-overlayfs
    if probe_overlay fuse; then
        DRIVER=overlay DRIVER_WHY="native overlay refused (${native_error:-mount failed}); fuse-overlayfs works"
        MOUNT_PROGRAM="$(command -v fuse-overlayfs)"
        return
    fi
    DRIVER=vfs DRIVER_WHY="native overlay refused (${native_error:-mount failed}); fuse-overlayfs refused (${PROBE_ERROR:-no /dev/fuse or mount failed})"
}
MOUNT_PROGRAM=""
choose_driver
GRAPHROOT="$PODDIR/storage-${DRIVER}${MOUNT_PROGRAM:+-fuse}"
step "storage driver: $DRIVER${MOUNT_PROGRAM:+ (fuse-overlayfs)}: $DRIVER_WHY"

# cgroupfs: no systemd here; runc: the runtime Debian ships; host netns: RUN steps need no
# CNI set-up in this VM; file events: no journald.
cat >"$CONTAINERS_CONF.new" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "host"
userns = "host"
utsns = "host"
cgroups = "disabled"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
events_logfile_path = "$PODDIR/events.log"
tmp_dir = "$PODDIR/tmp"
network_cmd_options = []

[network]
network_backend = "cni"
CONF
cat >"$CONTAINERS_STORAGE_CONF.new" <<CONF
[storage]
driver = "$DRIVER"
graphroot = "$GRAPHROOT"
runroot = "$PODDIR/run-$DRIVER"
$( [[ -z $MOUNT_PROGRAM ]] || printf '[storage.options.overlay]\nmount_program = "%s"\n' "$MOUNT_PROGRAM" )
CONF
# The loopback test registries speak plain HTTP (Docker itself treats 127.0.0.0/8 as insecure);
# 5005-5009 are for tests that put a proxy in front of one.
{
    echo 'unqualified-search-registries = []'
    for host in 127.0.0.1 localhost; do
        for port in 5001 5002 5003 5004 5005 5006 5007 5008 5009; do
            printf '[[registry]]\nlocation = "%s:%s"\ninsecure = true\n' "$host" "$port"
        done
    done
} >"$CONTAINERS_REGISTRIES_CONF.new"
changed=0
for f in "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF" "$CONTAINERS_REGISTRIES_CONF"; do
    if cmp -s "$f.new" "$f"; then rm "$f.new"; else mv "$f.new" "$f"; changed=1; fi
done
step "config: $PODDIR/{containers,storage,registries}.conf"

ping_engine() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://d/_ping; }

if ((changed)) && [[ -f "$LOCAL/podman.pid" ]] && kill -0 "$(cat "$LOCAL/podman.pid")" 2>/dev/null; then
    step "config changed: restarting the podman service"
    kill "$(cat "$LOCAL/podman.pid")"
    wait_until 15 "podman service stop" bash -c "! kill -0 $(cat "$LOCAL/podman.pid")"
fi
if [[ -d "$PODDIR/storage" ]]; then
    # The vfs store of an older set-up: its images are rebuilt by this script in the new store, so free the disk.
    step "removing the old vfs store $PODDIR/storage (images are rebuilt in $GRAPHROOT)"
    chattr -R -i "$PODDIR/storage" 2>/dev/null || true
    rm -rf "$PODDIR/storage"
fi
if ping_engine >/dev/null 2>&1; then
    step "podman service already answers on $SOCK"
else
    rm -f "$SOCK"
    step "starting podman system service on $SOCK (log: $LOCAL/podman.log)"
    start_bg podman "$LOCAL/podman.log" podman system service --time=0 "unix://$SOCK"
    wait_until 60 "podman service" ping_engine
    step "podman service answers"
fi

image_exists() { podman image exists "$1"; }

BUSYBOX=localhost/greenlight/busybox:latest
if image_exists "$BUSYBOX"; then
    step "$BUSYBOX present"
else
    step "building $BUSYBOX from Debian's busybox-static"
    root="$(mktemp -d)"
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
    cp /bin/busybox "$root/bin/busybox"
    chroot "$root" /bin/busybox --install -s /bin
    echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
    echo 'root:x:0:' >"$root/etc/group"
    tar -C "$root" -c . | podman import -q --change 'CMD ["/bin/sh"]' - "$BUSYBOX" >/dev/null
    rm -rf "$root"
    trap - EXIT
    step "$BUSYBOX built"
fi
# A version tag too, so a fixture Dockerfile can pin its base and lint clean (hadolint DL3007).
BUSYBOX_PINNED=localhost/greenlight/busybox:1.35
if ! image_exists "$BUSYBOX_PINNED"; then
    podman tag "$BUSYBOX" "$BUSYBOX_PINNED"
    step "tagged $BUSYBOX_PINNED"
fi

PYTHON=localhost/greenlight/python:3.11
if image_exists "$PYTHON"; then
    step "$PYTHON present"
elif ((PYTHON_BASE)); then
    # The mirror apt already uses here (the only one reachable).
    mirror="$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 || true)"
    mirror="${mirror%% }"
    mirror="${mirror:-http://deb.debian.org/debian}"
    root="$PODDIR/python-rootfs"
    rm -rf "$root"
    step "debootstrap bookworm (minbase + python3) from $mirror into $root: takes a few minutes"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" "$mirror" \
        | while read -r line; do
            case $line in I:\ Retriev* | I:\ Valid* | I:\ Unpack* | I:\ Configur*) ;; *) step "  $line" ;; esac
        done
    rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
    step "importing $PYTHON"
    tar -C "$root" -c . | podman import -q --change 'CMD ["/usr/bin/python3"]' - "$PYTHON" >/dev/null
    rm -rf "$root"
    step "$PYTHON built"
else
    step "python base skipped (pass --python-base to build $PYTHON)"
fi

step "engine ready: export DOCKER_HOST=unix://$SOCK"
