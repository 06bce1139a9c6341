#!/usr/bin/env bash
# docker-engine.sh — a private Docker engine for Whistle's container checks, and the base images
# it cannot pull.
#
# The engine (Debian's docker.io, dockerd started by hand) keeps everything of its own under
# <repo>/.local/docker-<name>/: data root, exec root, pid file, socket. It has its own bridge
# (whd-<name>) and address pool, so a developer's own Docker is never touched. No registry is
# needed: `base-images` makes what cannot be pulled.
#
#   deploy/docker-engine.sh install              apt-get docker.io, debootstrap (what is missing)
#   deploy/docker-engine.sh start|stop [NAME]    the engine NAME (default: check); stop also removes
#                                                its containers, bridge, iptables chains and data
#   deploy/docker-engine.sh env [NAME]           export DOCKER_HOST=… (and PATH with the engine's
#                                                own docker CLI first)
#   deploy/docker-engine.sh base-images [NAME]   debian:bookworm-slim (debootstrap) and
#                                                swift:6.3-bookworm (bookworm + the machine's
#                                                /opt/swift), each only when the engine lacks it
#
# Other scripts may `source` this file (main runs only when executed).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEBIAN_MIRROR="${WHISTLE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SWIFT_TOOLCHAIN="${WHISTLE_SWIFT_TOOLCHAIN:-/opt/swift}"
BASE_IMAGE=debian:bookworm-slim
SWIFT_IMAGE=swift:6.3-bookworm
# The engine's own docker CLI (docker.io's); another one earlier on PATH may lack BuildKit.
DOCKER_CLI_DIR=/usr/bin

engine_log() { printf '[docker-engine] %s\n' "$*" >&2; }
engine_die() { printf '[docker-engine] error: %s\n' "$*" >&2; exit 1; }

# select_engine NAME: the engine's folder, socket and bridge.
select_engine() {
    ENGINE_NAME="${1:-check}"
    [[ "$ENGINE_NAME" =~ ^[a-z0-9]{1,10}$ ]] || engine_die "engine name '$ENGINE_NAME': 1 to 10 of a-z 0-9"
    ENGINE_DIR="$REPO_ROOT/.local/docker-$ENGINE_NAME"
    ENGINE_SOCKET="$ENGINE_DIR/docker.sock"
    ENGINE_PIDFILE="$ENGINE_DIR/dockerd.pid"
    ENGINE_BRIDGE="whd-$ENGINE_NAME"
    # One /16 per engine name (a stable hash), for the bridge and compose's networks.
    local n
    n=$(($(printf '%s' "$ENGINE_NAME" | cksum | cut -d' ' -f1) % 40 + 200))
    ENGINE_BRIDGE_CIDR="10.$n.0.1/24"
    ENGINE_POOL="10.$n.0.0/16"
    export DOCKER_HOST="unix://$ENGINE_SOCKET"
}

engine_docker() { "$DOCKER_CLI_DIR/docker" "$@"; }

engine_install() {
    local missing=() pkg
    for pkg in docker.io debootstrap docker-compose iptables; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    engine_log "installing ${missing[*]}"
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

engine_pid() {
    local pid
    pid="$(cat "$ENGINE_PIDFILE" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "dockerd.*$ENGINE_DIR" || return 1
    printf '%s\n' "$pid"
}

engine_start() {
    engine_install
    if engine_pid >/dev/null; then
        engine_log "engine $ENGINE_NAME already runs ($DOCKER_HOST)"
        return 0
    fi
    mkdir -p "$ENGINE_DIR/data" "$ENGINE_DIR/exec"
    if ! ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1; then
        ip link add name "$ENGINE_BRIDGE" type bridge
        ip addr add "$ENGINE_BRIDGE_CIDR" dev "$ENGINE_BRIDGE"
        ip link set "$ENGINE_BRIDGE" up
    fi
    local t0=$SECONDS
    # setsid: the engine outlives neither `stop` nor a killed check (the EXIT trap stops it), but
    # a Ctrl-C in the terminal must not reach it before its containers are removed.
    setsid nohup /usr/sbin/dockerd \
        --data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" --pidfile "$ENGINE_PIDFILE" \
        -H "unix://$ENGINE_SOCKET" --bridge "$ENGINE_BRIDGE" \
        --default-address-pool "base=$ENGINE_POOL,size=24" \
        --log-level warn >"$ENGINE_DIR/dockerd.log" 2>&1 </dev/null &
    until engine_docker info >/dev/null 2>&1; do
        if ((SECONDS - t0 > 60)); then
            tail -n 30 "$ENGINE_DIR/dockerd.log" >&2
            engine_die "dockerd did not answer within 60 s (log: ${ENGINE_DIR#"$REPO_ROOT"/}/dockerd.log)"
        fi
        sleep 0.5
    done
    engine_log "engine $ENGINE_NAME ready in $((SECONDS - t0)) s: DOCKER_HOST=$DOCKER_HOST"
}

# engine_stop: containers removed, dockerd stopped, its bridge, chains and folder removed.
engine_stop() {
    local pid
    if pid="$(engine_pid)"; then
        local ids=()
        mapfile -t ids < <(engine_docker ps -aq 2>/dev/null || true)
        ((${#ids[@]} == 0)) || engine_docker rm -f "${ids[@]}" >/dev/null 2>&1 || true
        engine_docker network prune -f >/dev/null 2>&1 || true
        kill -TERM "$pid"
        local waited=0
        while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
            sleep 0.2
            waited=$((waited + 1))
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        engine_log "engine $ENGINE_NAME stopped"
    fi
    # The managed containerd and shims of this engine, should any survive it.
    pkill -f "containerd.*$ENGINE_DIR" 2>/dev/null || true
    if ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1; then
        ip link set "$ENGINE_BRIDGE" down || true
        ip link delete "$ENGINE_BRIDGE" type bridge || true
    fi
    engine_clean_iptables
    if [[ -d "$ENGINE_DIR" ]]; then
        # Mounts of a killed engine would keep files busy.
        grep -o " ${ENGINE_DIR}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
        rm -rf "$ENGINE_DIR"
    fi
}

# The chains dockerd made, once no other engine on this host runs.
engine_clean_iptables() {
    pgrep -x dockerd >/dev/null && return 0
    command -v iptables >/dev/null || return 0
    local table chain
    for table in filter nat; do
        { iptables -t "$table" -S 2>/dev/null || true; } | { grep -E '^-A (FORWARD|PREROUTING|OUTPUT|POSTROUTING) .*DOCKER' || true; } |
            sed -E 's/^-A/-D/' | while read -r rule; do
            # shellcheck disable=SC2086
            iptables -t "$table" $rule 2>/dev/null || true
        done
        for chain in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
            iptables -t "$table" -F "$chain" 2>/dev/null || true
            iptables -t "$table" -X "$chain" 2>/dev/null || true
        done
    done
}

engine_env() {
    printf 'export DOCKER_HOST=%q\n' "$DOCKER_HOST"
    printf 'export PATH=%q\n' "$DOCKER_CLI_DIR:$PATH"
}

image_present() { engine_docker image inspect "$1" >/dev/null 2>&1; }

# A minimal bookworm (debootstrap minbase), imported as debian:bookworm-slim.
make_base_image() {
    if image_present "$BASE_IMAGE"; then return 0; fi
    engine_log "$BASE_IMAGE cannot be pulled here (no registry): making it with debootstrap from $DEBIAN_MIRROR"
    local root="$ENGINE_DIR/rootfs-bookworm" t0=$SECONDS
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$ENGINE_DIR/debootstrap.log" 2>&1 ||
        { tail -n 20 "$ENGINE_DIR/debootstrap.log" >&2; engine_die "debootstrap failed"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | engine_docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$root"
    engine_log "$BASE_IMAGE made in $((SECONDS - t0)) s"
}

# The Swift build image: bookworm, the libraries Swift needs on Linux, and this machine's toolchain.
make_swift_image() {
    if image_present "$SWIFT_IMAGE"; then return 0; fi
    [[ -x "$SWIFT_TOOLCHAIN/usr/bin/swift" ]] || engine_die "no Swift toolchain at $SWIFT_TOOLCHAIN (WHISTLE_SWIFT_TOOLCHAIN)"
    engine_log "$SWIFT_IMAGE cannot be pulled here: making it from $BASE_IMAGE and $SWIFT_TOOLCHAIN"
    local t0=$SECONDS
    # The toolchain folder is the build context; the Dockerfile comes on stdin.
    DOCKER_BUILDKIT=1 engine_docker build -q -t "$SWIFT_IMAGE" -f - "$SWIFT_TOOLCHAIN" \
        <"$REPO_ROOT/deploy/images/swift.Dockerfile" >/dev/null
    engine_log "$SWIFT_IMAGE made in $((SECONDS - t0)) s"
}

engine_main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        install) engine_install ;;
        start) select_engine "${1:-}"; engine_start ;;
        stop) select_engine "${1:-}"; engine_stop ;;
        env) select_engine "${1:-}"; engine_env ;;
        base-images) select_engine "${1:-}"; make_base_image; make_swift_image ;;
        *) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    engine_main "$@"
fi
