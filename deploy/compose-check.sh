#!/usr/bin/env bash
# compose-check.sh — proves the production path: the compose stack built and run on this machine.
#
# A private Docker engine (deploy/docker-engine.sh: its own data root, socket and bridge, stopped
# and removed on exit), the base images no registry gives us made locally, the project's images
# built, then what an operator does, step by step:
#   images      whistle (the previous release and HEAD), whistle-rabbitmq, whistle-postgres
#   upgrade     the previous release (the commit before the last migration) up, filled with a day
#               of demands; HEAD's images up over it with `docker-compose up -d`; every ticket,
#               timeline and score compared
#   seed        the operator's district: `docker-compose run --rm seed` (database, queues, broker
#               accounts of adapters and departments)
#   flow        the sample demands of every channel published through the stack's broker port as
#               the adapters, departments replying, feedback, the read API and the dashboard
#   seed-update a changed seed loaded into the running stack, and the change at work
#   backup      deploy/backup.sh, then deploy/restore.sh into a fresh stack that answers the same
#   images-fit  size, user, read-only root and cold start of every image
#   ha          the highly available stack and its fault drill (deploy/ha-drill.sh)
# and tears everything down. The last lines name the failed step.
#
#   deploy/compose-check.sh                      everything
#   WHISTLE_CHECK_STEPS="seed flow" ...          only these steps (images and up always run)
#   WHISTLE_CHECK_ENGINE=dev ...                 use the engine `dev` that already runs (left running)
#   WHISTLE_CHECK_KEEP=1 ...                     leave the stack up at the end
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=deploy/docker-engine.sh
source "$REPO_ROOT/deploy/docker-engine.sh"
# shellcheck source=deploy/check/lib.sh
source "$REPO_ROOT/deploy/check/lib.sh"
for step_file in "$REPO_ROOT"/deploy/check/[!l]*.sh; do
    # shellcheck source=/dev/null
    source "$step_file"
done

CHECK_PROJECT="${WHISTLE_CHECK_PROJECT:-whcheck}"
CHECK_DIR="$REPO_ROOT/.local/compose-check-$CHECK_PROJECT"
CHECK_ENV="$CHECK_DIR/compose.env"
CHECK_ACCOUNTS="$CHECK_DIR/broker-accounts.env"
CHECK_API_PORT="${WHISTLE_CHECK_API_PORT:-18480}"
CHECK_AMQP_PORT="${WHISTLE_CHECK_AMQP_PORT:-18472}"
CHECK_STEPS_WANTED="${WHISTLE_CHECK_STEPS:-upgrade seed flow seed-update backup images-fit ha}"
OWN_ENGINE=true
[[ -n "${WHISTLE_CHECK_ENGINE:-}" ]] && OWN_ENGINE=false
CHECK_FAILED_STEP=""
T_CHECK=$SECONDS

wanted() { [[ " $CHECK_STEPS_WANTED " == *" $1 "* ]]; }

finish() {
    local rc=$?
    trap - EXIT
    if [[ "${WHISTLE_CHECK_KEEP:-}" != 1 ]]; then
        check_compose down -v --remove-orphans >/dev/null 2>&1 || true
        if $OWN_ENGINE; then engine_stop || true; fi
    else
        check_say "kept: DOCKER_HOST=$DOCKER_HOST docker-compose -p $CHECK_PROJECT --env-file $CHECK_ENV ..."
    fi
    printf '\n==> compose-check timings\n' >&2
    ((${#CHECK_STEPS[@]})) && printf '  %s\n' "${CHECK_STEPS[@]}" >&2
    printf '  %-44s %7s s\n' total "$((SECONDS - T_CHECK))" >&2
    if ((rc == 0)); then
        echo "compose-check: passed"
    else
        echo "compose-check: FAILED (exit $rc)${CHECK_FAILED_STEP:+ in step: $CHECK_FAILED_STEP}"
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The check's own secrets (fresh each run), its ports, and the accounts of the sample district.
make_env() {
    mkdir -p "$CHECK_DIR"
    chmod 700 "$CHECK_DIR"
    # A stack a kept run left behind holds volumes made with its own passwords: gone first.
    if [[ -f "$CHECK_ENV" ]]; then check_compose down -v --remove-orphans >/dev/null 2>&1 || true; fi
    rm -f "$CHECK_ENV" "$CHECK_ACCOUNTS"
    "$REPO_ROOT/deploy/secrets.sh" "$CHECK_ENV" 2>/dev/null
    printf 'WHISTLE_API_PORT=%s\nWHISTLE_AMQP_PORT=%s\n' "$CHECK_API_PORT" "$CHECK_AMQP_PORT" >>"$CHECK_ENV"
    "$REPO_ROOT/deploy/secrets.sh" --env-file "$CHECK_ENV" --accounts "$REPO_ROOT/deploy/seed" "$CHECK_ACCOUNTS" 2>/dev/null
}

start_engine() {
    engine_install
    if $OWN_ENGINE; then
        engine_stop
        engine_start
    else
        engine_pid >/dev/null || check_die "WHISTLE_CHECK_ENGINE=$ENGINE_NAME does not run (deploy/docker-engine.sh start $ENGINE_NAME)"
    fi
    make_base_image
    make_swift_image
}

# The engine's address and CLI, for every step (steps run in subshells).
select_engine "${WHISTLE_CHECK_ENGINE:-check}"
eval "$(engine_env)"
check_step "install, private engine, base images" start_engine
check_step "secrets of the check" make_env
check_step "images" check_images
if wanted upgrade; then
    check_step "upgrade: previous release, a day of demands" check_upgrade_fill
    check_step "upgrade: HEAD over it, everything intact" check_upgrade_verify
else
    check_step "up (HEAD)" check_up latest
fi
if wanted seed; then check_step "seed: the operator's district" check_seed; fi
if wanted flow; then check_step "flow: every channel through the stack" check_flow; fi
if wanted seed-update; then check_step "seed update without a restart" check_seed_update; fi
if wanted backup; then check_step "backup and restore drill" check_backup_restore; fi
if wanted images-fit; then check_step "images: size, user, read-only, cold start" check_images_fit; fi
if wanted ha; then
    check_compose down -v --remove-orphans >/dev/null 2>&1 || true
    check_step "high availability drill" check_ha_drill
fi
