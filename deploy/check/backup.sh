#!/usr/bin/env bash
# backup.sh — the backup and restore drill on the check's stack (sourced by deploy/compose-check.sh
# after lib.sh; never run). One step:
#
#   check_backup_restore   deploy/backup.sh of the running stack; a second stack (project
#                          ${CHECK_PROJECT}r, read API on CHECK_API_PORT+1, AMQP on its port+1,
#                          empty volumes, the same secrets); deploy/restore.sh into it; then the
#                          read API of both answers byte for byte the same for several tickets
#                          (GET /v1/tickets/{no}) and for the scores of the last 30 days
#                          (GET /v1/scores); the second stack is removed whatever happens.
# Timings: CHECK_BACKUP_SECONDS and CHECK_RESTORE_SECONDS (for the report, not asserted).

# check_target_args: the options of deploy/backup.sh / restore.sh for the check's stack.
check_target_args() {
    local f
    printf '%s\n' -p "$CHECK_PROJECT" --env-file "$CHECK_ENV" --project-directory "$REPO_ROOT"
    for f in ${CHECK_COMPOSE_FILES:-docker-compose.yml}; do printf '%s\n' -f "$REPO_ROOT/$f"; done
}

# check_restored_down: removes the second stack and its volumes.
check_restored_down() {
    CHECK_PROJECT="${CHECK_PROJECT}r" CHECK_ENV="$1" check_compose --profile tools --profile seed down -v --remove-orphans >/dev/null 2>&1 || true
}

check_backup_restore() {
    local work env amqp_port target=() restored=() t0 rc=0
    work="$(mktemp -d)"
    mapfile -t target < <(check_target_args)

    t0=$SECONDS
    "$REPO_ROOT/deploy/backup.sh" "${target[@]}" "$work/backup" || { rm -rf -- "$work"; return 1; }
    CHECK_BACKUP_SECONDS=$((SECONDS - t0))
    sed 's/^/  /' "$work/backup/manifest.txt" >&2

    # The second stack: the same secrets and accounts, its own ports, empty volumes.
    env="$work/restored.env"
    amqp_port="$(grep -E '^WHISTLE_AMQP_PORT=[0-9]+$' "$CHECK_ENV" | tail -n 1 | cut -d= -f2)"
    (umask 077 && grep -vE '^WHISTLE_(API|AMQP)_PORT=' "$CHECK_ENV" >"$env")
    printf 'WHISTLE_API_PORT=%s\nWHISTLE_AMQP_PORT=%s\n' "$((CHECK_API_PORT + 1))" "$((${amqp_port:-5672} + 1))" >>"$env"
    mapfile -t restored < <(CHECK_PROJECT="${CHECK_PROJECT}r" CHECK_ENV="$env" check_target_args)
    check_restored_down "$env"

    t0=$SECONDS
    "$REPO_ROOT/deploy/restore.sh" "${restored[@]}" "$work/backup" || rc=1
    CHECK_RESTORE_SECONDS=$((SECONDS - t0))
    if ((rc == 0)); then
        CHECK_PROJECT="${CHECK_PROJECT}r" CHECK_ENV="$env" check_wait_healthy || rc=1
    fi
    ((rc == 0)) && { check_compare_stacks "$env" || rc=1; }
    check_say "backup ${CHECK_BACKUP_SECONDS} s, restore ${CHECK_RESTORE_SECONDS} s (until the services were started)"
    check_restored_down "$env"
    rm -rf -- "$work"
    return "$rc"
}

# check_compare_stacks ENV: the read API's answers of the check's stack and of the restored one.
check_compare_stacks() {
    local env="$1" token tickets no from to a b compared=0 differ=0
    # The city's command center sees every placed ticket; the same secret signs for both stacks.
    token="$(check_token YC-ZHZX)" || return 1
    mapfile -t tickets < <(check_compose exec -T postgres psql -X -h /tmp -U whistle -d whistle -Atc \
        "SELECT ticket_no FROM tickets ORDER BY opened_at DESC, ticket_no LIMIT 8")
    ((${#tickets[@]})) || { check_say "the stack has no ticket to compare"; return 1; }
    to="$(TZ=Asia/Shanghai date +%F)"
    from="$(TZ=Asia/Shanghai date -d '30 days ago' +%F)"
    for no in "${tickets[@]}" "scores"; do
        local path="/v1/tickets/$no"
        [[ "$no" == scores ]] && path="/v1/scores?from=$from&to=$to"
        a="$(check_api "$path" "$token")" || { check_say "GET $path on the check's stack failed"; differ=$((differ + 1)); continue; }
        b="$(CHECK_API_PORT=$((CHECK_API_PORT + 1)) check_api "$path" "$token")" \
            || { check_say "GET $path on the restored stack failed"; differ=$((differ + 1)); continue; }
        compared=$((compared + 1))
        if [[ "$a" != "$b" ]]; then
            differ=$((differ + 1))
            check_say "GET $path differs:"
            diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 20 >&2
        fi
    done
    check_say "restored stack: $compared answers compared byte for byte (${#tickets[@]} tickets and the scores), $differ differ"
    ((differ == 0))
}
