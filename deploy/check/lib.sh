#!/usr/bin/env bash
# lib.sh — what every step of deploy/compose-check.sh shares (sourced, never run).
#
#   check_compose ARGS...      docker-compose on the check's stack (project $CHECK_PROJECT, its own
#                              env file $CHECK_ENV, the compose files in CHECK_COMPOSE_FILES)
#   check_ctl ARGS...          whistlectl in a one-off container on the stack's network, as the
#                              operator (whistle-admin on the broker, the schema owner on the database)
#   check_api PATH [TOKEN]     GET on the stack's read API (127.0.0.1:$CHECK_API_PORT); prints the body,
#                              fails on a status other than 200
#   check_token DEPT           a read-API token for department DEPT (8 h), signed with the stack's secret
#   check_wait_healthy [T]     waits up to T s (default 240) until every running container is healthy
#   check_step NAME FN ARGS... runs a step (errexit on, in a subshell: it changes no variable of the
#                              caller), prints and records its time; a failure names the step last
#   check_say / check_die      output

check_say() { printf '[compose-check] %s\n' "$*" >&2; }
check_die() { printf '[compose-check] error: %s\n' "$*" >&2; exit 1; }

CHECK_STEPS=()

check_step() {
    local name="$1" t0 rc=0
    shift
    printf '\n==> %s\n' "$name" >&2
    t0="$(date +%s.%N)"
    # In its own subshell, in the background: errexit holds inside the step (bash ignores it in
    # a function called as part of `cmd || …`), so any failing command fails the step.
    set +e
    (
        set -e
        "$@"
    ) &
    wait "$!"
    rc=$?
    set -e
    local took
    took="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
    CHECK_STEPS+=("$(printf '%-44s %7s s%s' "$name" "$took" "$( ((rc == 0)) || echo "   FAILED (exit $rc)")")")
    printf '<== %s: %s s%s\n' "$name" "$took" "$( ((rc == 0)) || echo ", FAILED (exit $rc)")" >&2
    if ((rc != 0)); then
        # shellcheck disable=SC2034 # read by the script that sources this file
        CHECK_FAILED_STEP="$name"
        return "$rc"
    fi
}

check_compose() {
    local files=() f
    for f in ${CHECK_COMPOSE_FILES:-docker-compose.yml}; do files+=(-f "$REPO_ROOT/$f"); done
    docker-compose --project-directory "$REPO_ROOT" -p "$CHECK_PROJECT" "${files[@]}" --env-file "$CHECK_ENV" "$@"
}

check_ctl() {
    check_compose run --rm --no-deps -T whistlectl "$@"
}

check_api() {
    local path="$1" token="${2:-${CHECK_TOKEN:-}}" out status
    out="$(mktemp)"
    status="$(curl -sS -o "$out" -w '%{http_code}' --max-time 10 \
        ${token:+-H "Authorization: Bearer $token"} "http://127.0.0.1:$CHECK_API_PORT$path")" || status=000
    cat "$out"
    rm -f "$out"
    [[ "$status" == 200 ]] || { printf '\n[compose-check] GET %s answered %s\n' "$path" "$status" >&2; return 1; }
}

check_token() {
    check_ctl token issue --department "$1" --ttl 8h | tr -d '\r\n'
}

check_unhealthy() {
    local id state
    for id in $(check_compose ps -q); do
        state="$(docker inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}' "$id")"
        case "$state" in
            *' running healthy' | *' running -') ;;
            *' exited -') ;;  # one-shot containers (migrate)
            *) printf '%s\n' "$state" ;;
        esac
    done
}

check_wait_healthy() {
    local timeout="${1:-240}" t0=$SECONDS pending
    while :; do
        pending="$(check_unhealthy)"
        [[ -z "$pending" ]] && return 0
        if ((SECONDS - t0 > timeout)); then
            check_say "not healthy after $timeout s:"
            printf '  %s\n' "$pending" >&2
            check_compose ps >&2 || true
            check_compose logs --tail 40 >&2 || true
            return 1
        fi
        sleep 2
    done
}
