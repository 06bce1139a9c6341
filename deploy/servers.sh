#!/usr/bin/env bash
# servers.sh — the local RabbitMQ and PostgreSQL that Whistle runs and tests against.
#
# One isolated pair per profile (run | test), all state under <repo>/.local/<profile>/.
# Loopback only, non-default ports, its own epmd and Erlang distribution port, its own HOME
# (Erlang cookie): a system instance or a developer's own broker is never touched.
#
#   deploy/servers.sh install                  apt-get what is missing (quiet when all is there), and
#                                              pip-install schemathesis (deploy/api-fuzz.sh) when missing
#   deploy/servers.sh start|stop|restart P     both servers of profile P
#   deploy/servers.sh reset P                  stop, then delete .local/P
#   deploy/servers.sh status P                 what runs (exit 0 only when both run)
#   deploy/servers.sh env P                    export lines: WHISTLE_AMQP_URL, WHISTLE_DATABASE_URL (the owner),
#                                              WHISTLE_<SERVICE>_DATABASE_URL (each service's own role);
#                                              for profile test also WHISTLE_TEST_CA_FILE, WHISTLE_TEST_AMQPS_URL
#
# Profile test also serves TLS: RabbitMQ on a TLS port of its own, PostgreSQL with ssl=on on its
# port, both with a certificate (localhost, 127.0.0.1) of a throw-away CA that `start` generates
# with openssl into .local/test/tls/ (ca.pem, server.pem/.key, client.pem/.key).
#   deploy/servers.sh rabbitmq-start|rabbitmq-stop|rabbitmq-restart P   (fault tests)
#   deploy/servers.sh postgres-start|postgres-stop|postgres-restart P   (fault tests)
#   deploy/servers.sh rabbitmqctl P ARGS...    rabbitmqctl against profile P's node (e.g. add_vhost v)
#   deploy/servers.sh grant-vhost P VHOST      the users' least-privilege permissions on VHOST too (tests)
#   deploy/servers.sh psql P [ARGS...]         psql as superuser postgres on profile P's server
#
# Other scripts may `source` this file to reuse its functions (main runs only when executed).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RABBITMQ_BIN=/usr/lib/rabbitmq/bin
PG_BIN=/usr/lib/postgresql/15/bin

# Every service has its own broker user; the password is the user name (development only). The
# users and their permissions: `whistlectl broker-definitions plain` (deploy/whistlectl.sh runs it).
# Every service has its own database role too (whistle_<service>, password = the role name);
# the owner `whistle` migrates and grants them their privileges.
# shellcheck source=deploy/postgres/roles.sh
source "$REPO_ROOT/deploy/postgres/roles.sh"
# shellcheck disable=SC2034  # deploy/check-definitions.sh, which sources this file, uses it
RABBITMQ_USERS=(whistle-intake whistle-dispatcher whistle-notifier whistle-evaluator whistle-admin)
RABBITMQ_ADMIN=whistle-admin
PG_ROLE=whistle
PG_PASSWORD=whistle
PG_DATABASE=whistle

# (The last one is for deploy/lint.sh.)
APT_PACKAGES=(rabbitmq-server librabbitmq-dev libpq-dev postgresql pkg-config curl ca-certificates shellcheck python3-venv)
# chromium and the CJK fonts: the dashboard's headless-browser test and its screenshot.
APT_PACKAGES_NO_RECOMMENDS=(docker-compose chromium fonts-noto-cjk)

log() { printf '[servers] %s\n' "$*" >&2; }
die() { printf '[servers] error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with milliseconds, for timings.
now() { date +%s.%3N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------

# select_profile P: sets the ports and paths of profile P.
# `scratch` is a throw-away third profile for one-off checks (deploy/check-definitions.sh).
select_profile() {
    PROFILE="${1:-}"
    case "$PROFILE" in
        run)     AMQP_PORT=5781 DIST_PORT=25781 EPMD_PORT=4381 PG_PORT=5791 CTL_DIST_MIN=35800 ;;
        test)    AMQP_PORT=5782 DIST_PORT=25782 EPMD_PORT=4382 PG_PORT=5792 CTL_DIST_MIN=35850 ;;
        scratch) AMQP_PORT=5783 DIST_PORT=25783 EPMD_PORT=4383 PG_PORT=5793 CTL_DIST_MIN=35900 ;;
        "") die "missing profile (run | test)" ;;
        *) die "unknown profile '$PROFILE' (run | test)" ;;
    esac
    STATE_DIR="$REPO_ROOT/.local/$PROFILE"
    # TLS (see the header): the broker's TLS port, or empty where the profile serves no TLS.
    AMQPS_PORT=""
    [[ "$PROFILE" == test ]] && AMQPS_PORT=5772
    TLS_DIR="$STATE_DIR/tls"
    RMQ_DIR="$STATE_DIR/rabbitmq"
    RMQ_NODE="whistle_${PROFILE}@localhost"
    RMQ_PID_FILE="$RMQ_DIR/rabbitmq.pid"
    RMQ_STARTUP_LOG="$RMQ_DIR/log/startup.log"
    PG_DIR="$(postgres_home)"
    PG_DATA="$PG_DIR/data"
    PG_SOCK="$PG_DIR/run"
    PG_LOG="$PG_DIR/postgres.log"
    # The CLI tools (rabbitmqctl, rabbitmq-diagnostics) listen on a distribution port of their own
    # too: give each profile its own range of 50, on loopback, so no two ever collide.
    RMQ_ENV=(
        "HOME=$RMQ_DIR/home"
        "RABBITMQ_CONF_ENV_FILE=$RMQ_DIR/rabbitmq-env.conf"
        "RABBITMQ_NODENAME=$RMQ_NODE"
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
        "RABBITMQ_NODE_PORT=$AMQP_PORT"
        "RABBITMQ_DIST_PORT=$DIST_PORT"
        "ERL_EPMD_PORT=$EPMD_PORT"
        "ERL_EPMD_ADDRESS=127.0.0.1"
        "RABBITMQ_MNESIA_BASE=$RMQ_DIR/mnesia"
        "RABBITMQ_LOG_BASE=$RMQ_DIR/log"
        "RABBITMQ_PID_FILE=$RMQ_PID_FILE"
        "RABBITMQ_CONFIG_FILE=$RMQ_DIR/rabbitmq.conf"
        "RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ_DIR/advanced.config"
        "RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_DIR/enabled_plugins"
        "ERL_CRASH_DUMP=$RMQ_DIR/log/erl_crash.dump"
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
        "RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
        "RABBITMQ_CTL_DIST_PORT_MIN=$CTL_DIST_MIN"
        "RABBITMQ_CTL_DIST_PORT_MAX=$((CTL_DIST_MIN + 49))"
    )
}

amqp_url()     { printf 'amqp://%s:%s@127.0.0.1:%s/%%2F' "$1" "$1" "$AMQP_PORT"; }
# amqps_url USER: over TLS, verifying the broker against the profile's CA (rabbitmq-c checks the
# host against the certificate's DNS names: localhost).
amqps_url()    { printf 'amqps://%s:%s@localhost:%s/%%2F?cacertfile=%s' "$1" "$1" "$AMQPS_PORT" "$TLS_DIR/ca.pem"; }
database_url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s' "$PG_ROLE" "$PG_PASSWORD" "$PG_PORT" "$PG_DATABASE"; }
# service_database_url SERVICE: the URL a service connects with (its own role).
service_database_url() { printf 'postgres://whistle_%s:whistle_%s@127.0.0.1:%s/%s' "$1" "$1" "$PG_PORT" "$PG_DATABASE"; }

# port_in_use PORT: true when something listens on 127.0.0.1:PORT or on a wildcard address.
port_in_use() {
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

# port_owner PORT: a short description of who listens (for error messages).
port_owner() {
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p' | head -n 1
}

require_free_port() {
    local port="$1" what="$2"
    if port_in_use "$port"; then
        die "$what port $port is already in use ($(port_owner "$port")); profile $PROFILE cannot start"
    fi
}

# close_inherited_fds: closes every file descriptor above 2 that this shell inherited (not bash's
# own script descriptor, 255). A server, or the epmd that any Erlang CLI call may start, must not
# keep its caller's descriptors: a caller that waits for a pipe or socket to close (Foundation's
# Process does, to learn that its child exited) would otherwise wait until the server ends.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd="${fd##*/}"
        if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2 && fd != 255)); then
            eval "exec $fd>&-" 2>/dev/null || true
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

cmd_install() {
    local missing=() missing_nr=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do is_installed "$pkg" || missing+=("$pkg"); done
    for pkg in "${APT_PACKAGES_NO_RECOMMENDS[@]}"; do is_installed "$pkg" || missing_nr+=("$pkg"); done
    if ((${#missing[@]} == 0 && ${#missing_nr[@]} == 0)); then
        return 0
    fi
    local all=("${missing[@]}" "${missing_nr[@]}")
    ((EUID == 0)) || die "missing packages: ${all[*]} (run as root to install them)"
    log "installing: ${all[*]}"

    # Installing must not start a system RabbitMQ or PostgreSQL on the default ports: a temporary
    # policy-rc.d tells the package scripts not to start services (when none exists already).
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\n# Temporary, from Whistle deploy/servers.sh install.\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added_policy=1
    fi

    local rc=0 output
    output="$(mktemp)"
    # (errexit does not apply left of ||: each step says how it failed.)
    (
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || exit
        if ((${#missing[@]})); then
            apt-get install -y -qq "${missing[@]}" || exit
        fi
        if ((${#missing_nr[@]})); then
            apt-get install -y -qq --no-install-recommends "${missing_nr[@]}" || exit
        fi
    ) >"$output" 2>&1 || rc=$?
    ((added_policy)) && rm -f "$policy"
    if ((rc != 0)); then
        cat "$output" >&2
        rm -f "$output"
        die "apt-get failed (exit $rc)"
    fi
    rm -f "$output"
    log "installed"
}

# schemathesis (PyPI), the fuzzer of deploy/api-fuzz.sh, at the version that script was written for.
SCHEMATHESIS_VERSION=4.32.5
install_schemathesis() {
    [[ "$(schemathesis --version 2>/dev/null || true)" == *" $SCHEMATHESIS_VERSION" ]] && return 0
    command -v python3 >/dev/null || die "python3 is needed for schemathesis"
    log "installing schemathesis $SCHEMATHESIS_VERSION (pip)"
    python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 || die "pip install schemathesis failed"
    hash -r
    command -v pyenv >/dev/null && pyenv rehash 2>/dev/null
    command -v schemathesis >/dev/null || die "schemathesis installed but not on PATH"
}

# ---------------------------------------------------------------------------------------------
# TLS (profile test): a throw-away CA and its certificates
# ---------------------------------------------------------------------------------------------

tls_enabled() { [[ -n "$AMQPS_PORT" ]]; }

# tls_issue NAME SUBJECT EXTENSIONS: NAME.key and NAME.pem signed by ca.pem (in the current folder).
tls_issue() {
    openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" \
        | openssl x509 -req -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 12)" -days 825 \
            -extfile <(printf '%b\n' "$3") -out "$1.pem"
}

# tls_prepare: the CA and the server and client certificates, generated once per state folder
# (kept while the servers run: they read them at start).
tls_prepare() {
    tls_enabled || return 0
    [[ -s "$TLS_DIR/ca.pem" && -s "$TLS_DIR/server.pem" && -s "$TLS_DIR/client.pem" ]] && return 0
    command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
    log "generating a test CA and certificates in ${TLS_DIR#"$REPO_ROOT"/}"
    rm -rf -- "$TLS_DIR"
    mkdir -p "$TLS_DIR"
    if ! (
        cd "$TLS_DIR" && umask 077 \
            && openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.pem \
                -subj "/CN=Whistle $PROFILE CA" \
            && tls_issue server /CN=localhost \
                'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth' \
            && tls_issue client "/CN=$RABBITMQ_ADMIN" 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth'
    ) >"$STATE_DIR/tls.log" 2>&1; then
        cat "$STATE_DIR/tls.log" >&2
        die "generating the test certificates failed"
    fi
    chmod 755 "$TLS_DIR"
    chmod 644 "$TLS_DIR"/*.pem
}

# The broker's TLS listener (lines for rabbitmq.conf): verify_peer checks a client certificate
# when one is sent; none is required.
tls_rabbitmq_conf() {
    tls_enabled || return 0
    printf 'listeners.ssl.1 = 127.0.0.1:%s\n' "$AMQPS_PORT"
    printf 'ssl_options.cacertfile = %s\n' "$TLS_DIR/ca.pem"
    printf 'ssl_options.certfile = %s\n' "$TLS_DIR/server.pem"
    printf 'ssl_options.keyfile = %s\n' "$TLS_DIR/server.key"
    printf 'ssl_options.verify = verify_peer\n'
    printf 'ssl_options.fail_if_no_peer_cert = false\n'
}

# tls_postgres_options: ssl=on with a copy of the server certificate that user postgres owns
# (PostgreSQL refuses a key that others may read). Prints the pg_ctl -o options.
tls_postgres_options() {
    tls_enabled || return 0
    local dir="$PG_DIR/tls"
    mkdir -p "$dir"
    cp "$TLS_DIR/server.pem" "$TLS_DIR/server.key" "$dir/"
    chown -R postgres:postgres "$dir"
    chmod 700 "$dir"
    chmod 600 "$dir/server.key"
    printf ' -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s' "$dir/server.pem" "$dir/server.key"
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------------------------

# rmq TOOL ARGS...: run a RabbitMQ script with this profile's environment.
rmq() {
    local tool="$1"
    shift
    env "${RMQ_ENV[@]}" "$RABBITMQ_BIN/$tool" "$@"
}

rabbitmq_pid() {
    local pid
    [[ -s "$RMQ_PID_FILE" ]] || return 1
    pid="$(tr -dc '0-9' <"$RMQ_PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    # A recycled pid belongs to something else: the node's environment names its node.
    grep -qzxF "RABBITMQ_NODENAME=$RMQ_NODE" "/proc/$pid/environ" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

rabbitmq_running() { rabbitmq_pid >/dev/null; }

# Writes the node's configuration files (every start, so a changed script takes effect).
rabbitmq_prepare() {
    mkdir -p "$RMQ_DIR/home" "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
    chmod 700 "$RMQ_DIR/home"
    # Server and CLI find each other through this cookie: write it before either runs.
    if [[ ! -s "$RMQ_DIR/home/.erlang.cookie" ]]; then
        (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' \
            >"$RMQ_DIR/home/.erlang.cookie")
        chmod 400 "$RMQ_DIR/home/.erlang.cookie"
    fi
    # An empty env file: /etc/rabbitmq/rabbitmq-env.conf (the system's) is not read.
    : >"$RMQ_DIR/rabbitmq-env.conf"
    printf '[].\n' >"$RMQ_DIR/enabled_plugins"
    {
        printf '# Generated by deploy/servers.sh for profile %s; rewritten on every start.\n' "$PROFILE"
        printf 'log.file.level = info\n'
        printf 'log.console = false\n'
        # As in production (deploy/rabbitmq/rabbitmq.conf): no message over 1 MiB.
        printf 'max_message_size = 1048576\n'
        tls_rabbitmq_conf
        if [[ -n "${RABBITMQ_EXTRA_CONF:-}" ]]; then
            printf '%s\n' "$RABBITMQ_EXTRA_CONF"
        fi
    } >"$RMQ_DIR/rabbitmq.conf"
}

rabbitmq_start() {
    if rabbitmq_running; then
        log "rabbitmq ($PROFILE) already running, pid $(rabbitmq_pid)"
        rabbitmq_wait_ready
        if tls_enabled && ! port_in_use "$AMQPS_PORT"; then
            log "rabbitmq ($PROFILE) has no TLS listener on $AMQPS_PORT (started before TLS was set up): restart it for TLS"
        fi
        return 0
    fi
    require_free_port "$AMQP_PORT" "AMQP"
    require_free_port "$DIST_PORT" "Erlang distribution"
    if tls_enabled; then require_free_port "$AMQPS_PORT" "AMQPS"; fi
    tls_prepare
    rabbitmq_prepare
    local t0 launcher
    t0="$(now)"
    # Its own session, detached from this terminal; the console output goes to a log so that
    # an early boot failure can be shown.
    printf '\n===== %s start =====\n' "$(date -Is)" >>"$RMQ_STARTUP_LOG"
    (
        close_inherited_fds
        exec setsid nohup env "${RMQ_ENV[@]}" "$RABBITMQ_BIN/rabbitmq-server" \
            >>"$RMQ_STARTUP_LOG" 2>&1 </dev/null
    ) &
    launcher=$!
    rabbitmq_wait_ready "$launcher"
    log "rabbitmq ($PROFILE) ready on 127.0.0.1:$AMQP_PORT${AMQPS_PORT:+ (TLS $AMQPS_PORT)} in $(elapsed "$t0") s"
}

# rabbitmq_wait_ready [LAUNCHER_PID]: polls until the node answers, then until the broker has
# fully booted (await_startup exits 69 when called before the node answers).
rabbitmq_wait_ready() {
    local launcher="${1:-}" deadline=$((SECONDS + 90))
    until rmq rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
        if [[ -n "$launcher" ]] && ! kill -0 "$launcher" 2>/dev/null; then
            rabbitmq_show_logs
            die "rabbitmq ($PROFILE) exited during boot"
        fi
        if ((SECONDS > deadline)); then
            rabbitmq_show_logs
            die "rabbitmq ($PROFILE) did not answer within 90 s"
        fi
        sleep 0.5
    done
    if ! rmq rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1; then
        rabbitmq_show_logs
        die "rabbitmq ($PROFILE) did not finish booting"
    fi
}

rabbitmq_show_logs() {
    local f
    for f in "$RMQ_STARTUP_LOG" "$RMQ_DIR/log/$RMQ_NODE.log"; do
        if [[ -s "$f" ]]; then
            printf -- '--- last lines of %s ---\n' "$f" >&2
            tail -n 30 "$f" >&2
        fi
    done
}

# rabbitmq_definitions [VHOST]: the least-privilege users and permissions of `whistlectl
# broker-definitions`, with development passwords (the user name) and a user per department of
# the sample seed, on VHOST (default /).
rabbitmq_definitions() {
    "$REPO_ROOT/deploy/whistlectl.sh" broker-definitions plain --seed "$REPO_ROOT/deploy/seed" --vhost "${1:-/}"
}

# Users, permissions and no guest, in one definitions import (idempotent: it updates).
rabbitmq_ensure_users() {
    local defs="$RMQ_DIR/users.json"
    rabbitmq_definitions >"$defs" || die "rabbitmq ($PROFILE): whistlectl broker-definitions failed"
    rmq rabbitmqctl -q import_definitions "$defs" >/dev/null \
        || die "rabbitmq ($PROFILE): importing users failed"
    local users
    users="$(rmq rabbitmqctl -q list_users --no-table-headers)"
    if awk '{print $1}' <<<"$users" | grep -qx guest; then
        rmq rabbitmqctl -q delete_user guest >/dev/null
    fi
}

# rabbitmq_grant_vhost VHOST: the same users and permissions as on "/", on VHOST (a test sandbox).
rabbitmq_grant_vhost() {
    # A file of its own: tests grant their vhosts concurrently.
    local vhost="${1:?grant-vhost needs a vhost}" defs rc=0
    defs="$(mktemp "$RMQ_DIR/users-vhost.XXXXXX")"
    rabbitmq_definitions "$vhost" >"$defs" || rc=$?
    ((rc == 0)) && { rmq rabbitmqctl -q import_definitions "$defs" >/dev/null || rc=$?; }
    rm -f -- "$defs"
    ((rc == 0)) || die "rabbitmq ($PROFILE): granting $vhost failed"
}

rabbitmq_stop() {
    local pid i
    if pid="$(rabbitmq_pid)"; then
        log "stopping rabbitmq ($PROFILE), pid $pid"
        rmq rabbitmqctl -q shutdown --timeout 60 >/dev/null 2>&1 || true
        # If the CLI could not reach it, end the node by its pid (gracefully first).
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait_pid_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
            wait_pid_gone "$pid" 5 || die "rabbitmq ($PROFILE) pid $pid does not stop"
        fi
    elif port_in_use "$EPMD_PORT"; then
        # No pid file, but this profile's epmd runs: a node of ours may still be registered.
        rmq rabbitmqctl -q shutdown --timeout 60 >/dev/null 2>&1 || true
    fi
    rm -f "$RMQ_PID_FILE"
    # The epmd on this profile's own port holds nothing once the node is gone.
    if port_in_use "$EPMD_PORT"; then
        epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
        for i in $(seq 1 20); do port_in_use "$EPMD_PORT" || break; sleep 0.1; done
    fi
}

# wait_pid_gone PID SECONDS
wait_pid_gone() {
    local pid="$1" i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# as_postgres CMD...: PostgreSQL refuses to run as root. Run from / so that an unreadable
# current folder (e.g. /root) does not produce warnings.
as_postgres() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        [[ "$(id -un)" == postgres ]] || die "run as root (PostgreSQL must run as user postgres)"
        (cd / && "$@")
    fi
}

# Where PostgreSQL keeps its data: under the state folder, unless the postgres user may not
# enter the clone (a checkout under /root, say); then under /tmp, named for this clone and
# profile, so that two clones or two profiles never share a data folder.
postgres_home() {
    local project="$STATE_DIR/postgres"
    if ! id postgres >/dev/null 2>&1 || postgres_may_enter "$REPO_ROOT"; then
        printf '%s\n' "$project"
        return
    fi
    printf '/tmp/whistle-%s-%s/postgres\n' "$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)" "$PROFILE"
}

postgres_may_enter() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- test -x "$1") 2>/dev/null
    else
        test -x "$1"
    fi
}

# The postgres user needs to traverse every folder down to its data folder.
postgres_check_traverse() {
    id postgres >/dev/null 2>&1 || die "no user 'postgres' (run: deploy/servers.sh install)"
    if [[ "$PG_DIR" != "$STATE_DIR/postgres" ]]; then
        mkdir -p "$(dirname "$PG_DIR")"
        chmod 755 "$(dirname "$PG_DIR")"
        log "user postgres may not enter $REPO_ROOT: PostgreSQL data of profile $PROFILE lives in $PG_DIR"
        return 0
    fi
    if as_postgres test -x "$STATE_DIR"; then
        return 0
    fi
    local dir="$STATE_DIR" blocked=""
    while [[ "$dir" != / ]]; do
        as_postgres test -x "$dir" 2>/dev/null || blocked="$dir"
        dir="$(dirname "$dir")"
    done
    # The highest folder that blocks is the one to open (the ones below fail through it).
    die "user postgres cannot reach $STATE_DIR: it may not enter ${blocked:-an ancestor folder}" \
        "($(stat -c '%A %U:%G' "${blocked:-$STATE_DIR}" 2>/dev/null)). PostgreSQL runs as postgres and" \
        "keeps its data there. Let it traverse, e.g. 'chmod o+x ${blocked:-<folder>}', or clone the" \
        "repository somewhere every user may enter."
}

postgres_running() {
    [[ -f "$PG_DATA/PG_VERSION" ]] || return 1
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

postgres_pid() { head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null; }

postgres_init() {
    mkdir -p "$STATE_DIR"
    postgres_check_traverse
    mkdir -p "$PG_DIR" "$PG_SOCK"
    chown postgres:postgres "$PG_DIR" "$PG_SOCK"
    chmod 700 "$PG_DIR"
    chmod 750 "$PG_SOCK"
    [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
    log "initdb postgres ($PROFILE)"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" --username=postgres --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 --no-instructions >/dev/null \
        || die "initdb failed"
    as_postgres tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- Whistle (deploy/servers.sh) ---
# listen_addresses, port and socket folder are given on the command line (pg_ctl -o).
max_connections = 200
# Durability is measured: commits really reach the disk.
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
}

# statements_options: pg_stat_statements loaded at start, when this PostgreSQL has it (the
# benchmark reports the top statements by total time; Services/whistle-bench/StatementProfile.swift).
# Prints the pg_ctl -o options, or nothing.
statements_options() {
    [[ -f "$PG_BIN/../lib/pg_stat_statements.so" ]] || return 0
    printf ' -c shared_preload_libraries=pg_stat_statements'
}

postgres_start() {
    if postgres_running; then
        log "postgres ($PROFILE) already running, pid $(postgres_pid)"
        return 0
    fi
    local t0
    t0="$(now)"
    postgres_init
    require_free_port "$PG_PORT" "PostgreSQL"
    local tls_options
    tls_prepare
    tls_options="$(tls_postgres_options)"
    if ! (close_inherited_fds && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK$tls_options$(statements_options)" start >/dev/null); then
        [[ -s "$PG_LOG" ]] && tail -n 20 "$PG_LOG" >&2
        die "postgres ($PROFILE) did not start"
    fi
    log "postgres ($PROFILE) ready on 127.0.0.1:$PG_PORT in $(elapsed "$t0") s"
}

# psql_admin ARGS...: psql as the superuser through the profile's socket.
psql_admin() {
    as_postgres "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres \
        -X -q -v ON_ERROR_STOP=1 "$@"
}

postgres_ensure_database() {
    psql_admin >/dev/null <<EOF
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
        CREATE ROLE "$PG_ROLE" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    ELSE
        ALTER ROLE "$PG_ROLE" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    END IF;
END
\$\$;
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DATABASE', '$PG_ROLE')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE') \gexec
EOF
    whistle_pg_roles psql_admin >/dev/null
    postgres_ensure_statements
}

# The view of pg_stat_statements in the profile's database, in a schema of its own (schema
# `monitoring`, out of the way of the application's), readable by the schema owner, who may
# also reset it (whistle-bench does, before each flow scenario).
postgres_ensure_statements() {
    [[ -f "$PG_BIN/../lib/pg_stat_statements.so" ]] || return 0
    psql_admin -d "$PG_DATABASE" >/dev/null <<EOF
CREATE SCHEMA IF NOT EXISTS monitoring;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA monitoring;
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', n.nspname, '$PG_ROLE'),
       format('GRANT EXECUTE ON FUNCTION %I.pg_stat_statements_reset(oid, oid, bigint) TO %I', n.nspname, '$PG_ROLE')
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements' \gexec
GRANT pg_read_all_stats TO "$PG_ROLE";
EOF
}

postgres_stop() {
    if postgres_running; then
        log "stopping postgres ($PROFILE), pid $(postgres_pid)"
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
            || die "postgres ($PROFILE) did not stop"
    fi
}

# ---------------------------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------------------------

cmd_start() {
    local t0
    t0="$(now)"
    rabbitmq_start
    rabbitmq_ensure_users
    postgres_start
    postgres_ensure_database
    log "profile $PROFILE up in $(elapsed "$t0") s (state: ${STATE_DIR#"$REPO_ROOT"/})"
}

cmd_stop() {
    rabbitmq_stop
    postgres_stop
}

cmd_reset() {
    cmd_stop
    if [[ -d "$STATE_DIR" ]]; then
        log "deleting $STATE_DIR"
        rm -rf -- "$STATE_DIR"
    fi
    if [[ "$PG_DIR" != "$STATE_DIR/postgres" && -d "$(dirname "$PG_DIR")" ]]; then
        log "deleting $(dirname "$PG_DIR")"
        rm -rf -- "$(dirname "$PG_DIR")"
    fi
}

cmd_status() {
    local ok=0
    printf 'profile %s  (state %s)\n' "$PROFILE" "$STATE_DIR"
    if rabbitmq_running; then
        printf '  rabbitmq  running  pid %-7s amqp 127.0.0.1:%s  node %s  epmd %s\n' \
            "$(rabbitmq_pid)" "$AMQP_PORT" "$RMQ_NODE" "$EPMD_PORT"
    else
        printf '  rabbitmq  stopped                amqp 127.0.0.1:%s\n' "$AMQP_PORT"
        ok=3
    fi
    if postgres_running; then
        printf '  postgres  running  pid %-7s port 127.0.0.1:%s  socket %s\n' \
            "$(postgres_pid)" "$PG_PORT" "$PG_SOCK"
    else
        printf '  postgres  stopped                port 127.0.0.1:%s\n' "$PG_PORT"
        ok=3
    fi
    return "$ok"
}

cmd_env() {
    printf 'export WHISTLE_AMQP_URL=%s\n' "$(amqp_url "$RABBITMQ_ADMIN")"
    printf 'export WHISTLE_DATABASE_URL=%s\n' "$(database_url)"
    local service
    for service in "${WHISTLE_PG_SERVICES[@]}"; do
        printf 'export WHISTLE_%s_DATABASE_URL=%s\n' "${service^^}" "$(service_database_url "$service")"
    done
    if tls_enabled; then
        printf 'export WHISTLE_TEST_CA_FILE=%s\n' "$TLS_DIR/ca.pem"
        printf 'export WHISTLE_TEST_AMQPS_URL=%s\n' "$(amqps_url "$RABBITMQ_ADMIN")"
    fi
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

main() {
    close_inherited_fds
    local cmd="${1:-}"
    [[ -n "$cmd" ]] || usage
    shift
    case "$cmd" in
        install) cmd_install; install_schemathesis; return ;;
        -h | --help | help) usage ;;
    esac
    select_profile "${1:-}"
    shift
    case "$cmd" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        restart) cmd_stop; cmd_start ;;
        reset) cmd_reset ;;
        status) cmd_status ;;
        env) cmd_env ;;
        rabbitmq-start) rabbitmq_start; rabbitmq_ensure_users ;;
        rabbitmq-stop) rabbitmq_stop ;;
        rabbitmq-restart) rabbitmq_stop; rabbitmq_start ;;
        postgres-start) postgres_start ;;
        postgres-stop) postgres_stop ;;
        postgres-restart) postgres_stop; postgres_start ;;
        rabbitmqctl) rmq rabbitmqctl "$@" ;;
        grant-vhost) rabbitmq_grant_vhost "$@" ;;
        psql) psql_admin "$@" ;;
        *) usage ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
