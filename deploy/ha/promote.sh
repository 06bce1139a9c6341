#!/usr/bin/env bash
# promote.sh — PostgreSQL failover of docker-compose.ha.yml: the standby becomes the primary.
#
#   deploy/ha/promote.sh [OPTIONS] promote [NEW [OLD]]   NEW (default postgres-2) becomes the primary.
#                                                        OLD (default postgres-1) must be stopped
#                                                        first (--stop-old stops it); it is then
#                                                        fenced: should it start again, it starts as
#                                                        a standby of NEW, never as a second primary.
#   deploy/ha/promote.sh [OPTIONS] rejoin OLD [NEW]      OLD comes back as a streaming standby of NEW:
#                                                        its data is replaced by a fresh copy of NEW's
#                                                        (pg_basebackup), then it is started.
#   deploy/ha/promote.sh [OPTIONS] status                each database's role and replication.
# Options: -p PROJECT (compose project, default: the folder's name), -f FILE (default
# docker-compose.ha.yml), --env-file FILE, --stop-old.
#
# The services need nothing: their URL names both hosts with target_session_attrs=read-write, so a
# connection lost with the old primary is opened again on whichever host accepts writes.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
project="" file="$REPO_ROOT/docker-compose.ha.yml" env_file="" stop_old=false

say() { printf '[promote] %s\n' "$*" >&2; }
die() { printf '[promote] error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

compose() {
    local args=(-f "$file")
    [[ -n "$project" ]] && args=(-p "$project" "${args[@]}")
    [[ -n "$env_file" ]] && args+=(--env-file "$env_file")
    docker-compose --project-directory "$REPO_ROOT" "${args[@]}" "$@"
}

# The container of a compose service (running or not).
container() {
    local id
    id="$(compose ps -q "$1" | head -n 1)"
    [[ -n "$id" ]] || die "no container for the service $1 (is the stack up?)"
    printf '%s' "$id"
}

running() { [[ "$(docker inspect -f '{{.State.Running}}' "$1")" == true ]]; }

# SQL as the schema owner over the container's local socket.
sql() {
    local id="$1"
    shift
    docker exec "$id" psql -X -q -At -h /tmp -U whistle -d postgres -v ON_ERROR_STOP=1 -c "$*"
}

volume_of() { docker inspect -f '{{range .Mounts}}{{if eq .Destination "/var/lib/postgresql/data"}}{{.Name}}{{end}}{{end}}' "$1"; }
image_of() { docker inspect -f '{{.Config.Image}}' "$1"; }
network_of() { docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}' "$1" | awk '{print $1}'; }

# Runs SCRIPT (bash; its arguments follow) as postgres in a one-off container that holds the data
# volume of the container ID; extra `docker run` options in the array run_options.
run_options=()
on_volume() {
    local id="$1" script="$2"
    shift 2
    docker run --rm --user postgres --entrypoint bash -v "$(volume_of "$id"):/var/lib/postgresql/data" \
        ${run_options[@]+"${run_options[@]}"} "$(image_of "$id")" -c "$script" on-volume "$@"
}

# The replication connection the standby used (pg_basebackup -R wrote it), pointed at HOST.
conninfo_for() {
    local new_id="$1" host="$2" line
    line="$(docker exec "$new_id" grep -h '^primary_conninfo' /var/lib/postgresql/data/postgresql.auto.conf | tail -n 1)" ||
        die "the promoted database has no primary_conninfo to copy (was it a standby made by its entrypoint?)"
    printf '%s\n' "$line" | sed -E "s/host=[^ ']+/host=$host/"
}

promote() {
    local new="${1:-postgres-2}" old="${2:-postgres-1}" new_id old_id t0=$SECONDS
    new_id="$(container "$new")"
    old_id="$(container "$old")"
    if running "$old_id"; then
        $stop_old || die "$old is running: stop it first (docker-compose stop $old) or pass --stop-old; two primaries must never run"
        say "stopping $old"
        compose stop "$old" >/dev/null
    fi
    running "$new_id" || die "$new is not running"
    [[ "$(sql "$new_id" 'SELECT pg_is_in_recovery()')" == t ]] || die "$new is not a standby (already the primary?)"
    say "promoting $new (received up to $(sql "$new_id" 'SELECT pg_last_wal_receive_lsn()'), replayed up to $(sql "$new_id" 'SELECT pg_last_wal_replay_lsn()'))"
    [[ "$(sql "$new_id" 'SELECT pg_promote(true, 60)')" == t ]] || die "pg_promote did not finish within 60 s"
    until [[ "$(sql "$new_id" 'SELECT pg_is_in_recovery()')" == f ]]; do sleep 0.2; done
    say "$new is the primary ($((SECONDS - t0)) s); the services reconnect to it by themselves"
    # Fence the old primary: a standby.signal and a primary_conninfo pointing at the new primary.
    # Started again, it replays as a standby of $new or, if its history went further, refuses to
    # start; it never accepts writes next to $new.
    local conninfo
    conninfo="$(conninfo_for "$new_id" "$new")"
    # shellcheck disable=SC2016 # expanded by the one-off container's bash
    on_volume "$old_id" 'touch /var/lib/postgresql/data/standby.signal
        printf "%s\n" "$1" >>/var/lib/postgresql/data/postgresql.auto.conf' "$conninfo"
    say "$old is fenced (standby.signal); bring it back with: $0 rejoin $old $new"
}

rejoin() {
    local old="${1:?rejoin needs the service to bring back, e.g. postgres-1}" new="${2:-postgres-2}" new_id old_id password t0=$SECONDS
    new_id="$(container "$new")"
    old_id="$(container "$old")"
    [[ "$(sql "$new_id" 'SELECT pg_is_in_recovery()')" == f ]] || die "$new is not the primary"
    if running "$old_id"; then
        say "stopping $old"
        compose stop "$old" >/dev/null
    fi
    password="$(conninfo_for "$new_id" "$new" | sed -nE "s/.*password=([^ ']+).*/\1/p")"
    [[ -n "$password" ]] || die "no replication password in $new's primary_conninfo"
    say "replacing $old's data with a copy of $new (pg_basebackup)"
    run_options=(--network "$(network_of "$old_id")" -e PGPASSWORD)
    export PGPASSWORD="$password"
    # shellcheck disable=SC2016 # expanded by the one-off container's bash
    on_volume "$old_id" 'set -e; find /var/lib/postgresql/data -mindepth 1 -delete
        pg_basebackup -h "$1" -U replicator -D /var/lib/postgresql/data -R -X stream -c fast
        chmod 700 /var/lib/postgresql/data' \
        "$new" || die "pg_basebackup from $new failed"
    unset PGPASSWORD
    compose start "$old" >/dev/null
    until [[ "$(sql "$new_id" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" -ge 1 ]]; do
        ((SECONDS - t0 < 180)) || die "$old did not start streaming from $new within 180 s"
        sleep 1
    done
    say "$old streams from $new ($((SECONDS - t0)) s)"
}

status() {
    local service id
    for service in $(compose config --services | grep '^postgres'); do
        id="$(compose ps -q "$service" | head -n 1)"
        if [[ -z "$id" ]] || ! running "$id"; then
            printf '%-12s stopped\n' "$service"
        elif [[ "$(sql "$id" 'SELECT pg_is_in_recovery()')" == t ]]; then
            printf '%-12s standby, replayed up to %s\n' "$service" "$(sql "$id" 'SELECT pg_last_wal_replay_lsn()')"
        else
            printf '%-12s primary, %s standby(s) streaming\n' "$service" "$(sql "$id" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")"
        fi
    done
}

while (($#)); do
    case "$1" in
        -p) project="$2"; shift 2 ;;
        -f) file="$2"; shift 2 ;;
        --env-file) env_file="$2"; shift 2 ;;
        --stop-old) stop_old=true; shift ;;
        -h | --help) usage ;;
        *) break ;;
    esac
done
command="${1:-}"
[[ -n "$command" ]] || usage 64
shift
case "$command" in
    promote | rejoin | status) "$command" "$@" ;;
    *) usage 64 ;;
esac
