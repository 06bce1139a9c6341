#!/usr/bin/env bash
# compose-target.sh — which compose deployment deploy/backup.sh and deploy/restore.sh act on
# (sourced, never run): the options docker-compose itself takes, in front of the script's own.
#
#   -p PROJECT            the compose project (default: docker-compose's own, the folder's name)
#   --env-file FILE       the deployment's env file (default: .env beside docker-compose.yml)
#   -f FILE               a compose file (repeatable; default: docker-compose.yml)
#   --project-directory D where relative paths resolve (default: the repository)
#
# After target_parse "$@", TARGET_ARGS holds the rest of the arguments and `dc ARGS...` runs
# docker-compose on that deployment.

TARGET_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_COMPOSE=()
TARGET_ARGS=()

target_parse() {
    local directory="$TARGET_REPO" project="" env="" files=()
    while (($#)); do
        case "$1" in
            -p | --project-name) project="${2:?$1 needs a name}"; shift 2 ;;
            --env-file) env="${2:?--env-file needs a file}"; shift 2 ;;
            -f | --file) files+=(-f "${2:?$1 needs a file}"); shift 2 ;;
            --project-directory) directory="${2:?--project-directory needs a folder}"; shift 2 ;;
            *) TARGET_ARGS+=("$1"); shift ;;
        esac
    done
    ((${#files[@]})) || files=(-f "$directory/docker-compose.yml")
    TARGET_COMPOSE=(docker-compose --project-directory "$directory" "${files[@]}")
    [[ -n "$project" ]] && TARGET_COMPOSE+=(-p "$project")
    [[ -n "$env" ]] && TARGET_COMPOSE+=(--env-file "$env")
    return 0
}

dc() { "${TARGET_COMPOSE[@]}" "$@"; }

# target_wait_healthy SERVICE... : waits (up to 240 s) until each service's container is healthy.
target_wait_healthy() {
    local service id state t0=$SECONDS
    for service in "$@"; do
        while :; do
            id="$(dc ps -q "$service")"
            state="$( [[ -n "$id" ]] && docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")"
            [[ "$state" == healthy ]] && break
            ((SECONDS - t0 < 240)) || { echo "$service is not healthy after 240 s (${state:-no container})" >&2; return 1; }
            sleep 2
        done
    done
}

# target_psql SQL: one query as the schema owner in the postgres container; unaligned output.
target_psql() {
    dc exec -T postgres psql -X -v ON_ERROR_STOP=1 -h /tmp -U whistle -d whistle -Atc "$1"
}
