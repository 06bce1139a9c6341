#!/usr/bin/env bash
# ha-drill.sh — the high-availability fault drill on docker-compose.ha.yml.
#
# Brings the highly available stack up (its own compose project, secrets and ports), loads the
# sample district, shows every quorum queue with a member on each of the three broker nodes, then
# runs a steady stream of demands (whistle-bench drill: published through the three nodes'
# published AMQP ports as an adapter would, outcome events and department queues read back) and,
# one phase after another:
#   stop rabbitmq-1 · start rabbitmq-1 · stop rabbitmq-2 (started again after its phase) ·
#   kill intake-1, dispatcher-1, notifier-1, evaluator-1 (docker kill; the other instance carries
#   on; each started again after its phase) · stop postgres-1 and promote postgres-2
#   (deploy/ha/promote.sh).
# Then it counts, per phase: demands the broker confirmed, those with an outcome event, lost (no
# outcome), duplicated (recorded twice), and the interruption (the longest pause of the flow —
# confirmations, outcomes or assignments — from the fault on). In total also: every assignment of
# the drill's tickets reached its department queue (repeats on the wire, with the same id, are
# counted apart), no dispatch round twice, the outboxes empty. Exits 1 on any loss or duplicate.
#
#   deploy/ha-drill.sh                   the whole drill (about 4 minutes), stack removed at the end
#   WHISTLE_DRILL_RATE=20                demands per second
#   WHISTLE_DRILL_PHASE=15               seconds per phase
#   WHISTLE_DRILL_PROJECT=whdrill        compose project; ports WHISTLE_DRILL_PORT_BASE (28000) + n
#   WHISTLE_DRILL_KEEP=1                 leave the stack up
#   WHISTLE_BENCH_BIN=.build/debug/whistle-bench   the stream from this machine's build (default:
#                                        whistle-bench of the image whistle:latest, host network)
# Needs a Docker engine (DOCKER_HOST) and the images whistle, whistle-rabbitmq and whistle-postgres.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
RATE="${WHISTLE_DRILL_RATE:-20}"
PHASE="${WHISTLE_DRILL_PHASE:-15}"
PROJECT="${WHISTLE_DRILL_PROJECT:-whdrill}"
PORT_BASE="${WHISTLE_DRILL_PORT_BASE:-28000}"
WORK="${WHISTLE_DRILL_DIR:-$REPO_ROOT/.local/ha-drill}"
BENCH="${WHISTLE_BENCH_BIN:-}"
ENV_FILE="$WORK/compose.env"
LOG="$WORK/stream.log"
FAULTS="$WORK/faults.log"
STOP="$WORK/stop"

say() { printf '[ha-drill] %s\n' "$*" >&2; }
die() { printf '[ha-drill] error: %s\n' "$*" >&2; exit 2; }
now_ms() { date +%s%3N; }

# lib.sh's compose helpers, pointed at the drill's stack.
CHECK_PROJECT="$PROJECT" CHECK_ENV="$ENV_FILE" CHECK_COMPOSE_FILES=docker-compose.ha.yml
export REPO_ROOT CHECK_PROJECT CHECK_ENV CHECK_COMPOSE_FILES
# shellcheck source=deploy/check/lib.sh
source "$REPO_ROOT/deploy/check/lib.sh"
ha() { check_compose "$@"; }
cid() { ha ps -q "$1" | head -n 1; }

bench_pid=""
# shellcheck disable=SC2317 # the EXIT trap runs it
finish() {
    local rc=$?
    trap - EXIT
    if [[ -n "$bench_pid" ]]; then
        kill "$bench_pid" 2>/dev/null || true
        [[ -n "$BENCH" ]] || docker rm -f "$PROJECT-stream" >/dev/null 2>&1 || true
    fi
    if ((rc != 0 && rc != 1)); then ha logs --tail 30 >"$WORK/compose.log" 2>&1 || true; say "the last logs: $WORK/compose.log"; fi
    if [[ "${WHISTLE_DRILL_KEEP:-}" == 1 ]]; then
        say "kept: docker-compose -p $PROJECT -f docker-compose.ha.yml --env-file $ENV_FILE ..."
    else
        ha down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    exit "$rc"
}

# The stream's program: WHISTLE_BENCH_BIN on this machine, else whistle-bench of the image
# whistle:latest in a container on the host's network (where the published ports are).
find_bench() {
    if [[ -n "$BENCH" ]]; then
        [[ -x "$BENCH" ]] || die "WHISTLE_BENCH_BIN=$BENCH is not executable"
        "$BENCH" drill --help >/dev/null 2>&1 || die "$BENCH has no drill command: rebuild it"
    else
        docker run --rm --entrypoint whistle-bench "whistle:${WHISTLE_IMAGE_TAG:-latest}" drill --help >/dev/null 2>&1 ||
            die "whistle:${WHISTLE_IMAGE_TAG:-latest} has no whistle-bench with a drill command (or set WHISTLE_BENCH_BIN)"
    fi
}

# whistle-bench drill ARGS... with the paths the arguments name (deploy/, the work folder) alike
# on the host and in the container.
bench_drill() {
    if [[ -n "$BENCH" ]]; then
        "$BENCH" drill "$@"
    else
        docker run --rm --name "$PROJECT-stream" --network host --read-only --tmpfs /tmp --cap-drop ALL --user "$(id -u):$(id -g)" \
            -v "$REPO_ROOT/deploy:$REPO_ROOT/deploy:ro" -v "$WORK:$WORK" -w "$REPO_ROOT" -e WHISTLE_AMQP_URL \
            --entrypoint whistle-bench "whistle:${WHISTLE_IMAGE_TAG:-latest}" drill "$@"
    fi
}

make_env() {
    mkdir -p "$WORK"
    chmod 700 "$WORK"
    rm -f "$ENV_FILE" "$LOG" "$FAULTS" "$STOP"
    "$REPO_ROOT/deploy/secrets.sh" "$ENV_FILE" 2>/dev/null || die "deploy/secrets.sh $ENV_FILE failed"
    {
        printf 'WHISTLE_AMQP_PORT=%s\nWHISTLE_AMQP_PORT_2=%s\nWHISTLE_AMQP_PORT_3=%s\n' $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3))
        printf 'WHISTLE_API_PORT=%s\nWHISTLE_API_PORT_2=%s\n' $((PORT_BASE + 81)) $((PORT_BASE + 82))
    } >>"$ENV_FILE"
}

secret() { sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1; }

# Every quorum queue has a member on each node (rabbitmqctl list_queues name type members).
show_quorum_members() {
    local listing short
    listing="$(docker exec "$(cid rabbitmq-1)" rabbitmqctl -q list_queues name type members --formatter json)"
    printf '%s\n' "$listing" | python3 -c '
import json, sys
queues = json.load(sys.stdin)
short = [q["name"] for q in queues if q["type"] == "quorum" and len(q.get("members") or []) != 3]
for q in queues:
    members = q.get("members") or []
    print("  %-40s %-8s %s" % (q["name"], q["type"], " ".join(members) if isinstance(members, list) else members))
if short: sys.exit("quorum queues without a member on each of the 3 nodes: " + " ".join(short))
' >&2 || return 1
    short="$(printf '%s\n' "$listing" | grep -c '"quorum"' || true)"
    say "$short quorum queues, each with members on rabbit@rabbitmq-1, -2 and -3"
}

up() {
    say "up: 3 broker nodes, primary + standby, 2 instances of each service"
    ha up -d >/dev/null 2>&1 || { ha ps >&2; return 1; }
    check_wait_healthy 300
    # The reference data and the department queues (the drill needs no adapter or department
    # accounts: it publishes and reads as whistle-admin).
    ha run --rm -T --entrypoint whistlectl seed seed /seed >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; return 1; }
    show_quorum_members
    docker exec "$(cid postgres-1)" psql -X -At -h /tmp -U whistle -d postgres \
        -c "SELECT 'postgres-2 streams from postgres-1: ' || state FROM pg_stat_replication" >&2
}

fault() {
    printf 'F %s %s\n' "$(now_ms)" "$1" >>"$FAULTS"
    say "fault: $1"
}

wait_node_healthy() {
    local t0=$SECONDS
    until [[ "$(docker inspect -f '{{.State.Health.Status}}' "$(cid "$1")")" == healthy ]]; do
        ((SECONDS - t0 < 180)) || die "$1 not healthy after 180 s"
        sleep 1
    done
}

stream() {
    local pw url="" port
    pw="$(secret WHISTLE_AMQP_PASSWORD_ADMIN)"
    for port in $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)); do
        url+="${url:+,}amqp://whistle-admin:$pw@127.0.0.1:$port/%2F"
    done
    WHISTLE_AMQP_URL="$url" bench_drill --rate "$RATE" --log "$LOG" --stop-file "$STOP" \
        --departments "$REPO_ROOT/deploy/seed/departments.yaml" --samples "$REPO_ROOT/deploy/samples/demands" \
        >"$WORK/bench.out" 2>"$WORK/bench.err" &
    bench_pid=$!
    local t0=$SECONDS
    until grep -q '^O ' "$LOG" 2>/dev/null; do
        kill -0 "$bench_pid" 2>/dev/null || { cat "$WORK/bench.err" >&2; die "whistle-bench drill ended"; }
        ((SECONDS - t0 < 90)) || die "no outcome 90 s after the stream started"
        sleep 1
    done
    say "the stream runs: $RATE demands/s through 127.0.0.1:$((PORT_BASE + 1))-$((PORT_BASE + 3))"
}

faults() {
    local kind
    fault "none (steady stream)"; sleep "$PHASE"
    fault "stop rabbitmq-1"; docker stop "$(cid rabbitmq-1)" >/dev/null; sleep "$PHASE"
    fault "start rabbitmq-1"; docker start "$(cid rabbitmq-1)" >/dev/null; wait_node_healthy rabbitmq-1; sleep "$PHASE"
    fault "stop rabbitmq-2"; docker stop "$(cid rabbitmq-2)" >/dev/null; sleep "$PHASE"
    docker start "$(cid rabbitmq-2)" >/dev/null; wait_node_healthy rabbitmq-2
    for kind in intake dispatcher notifier evaluator; do
        fault "kill $kind-1"; docker kill "$(cid "$kind-1")" >/dev/null; sleep "$PHASE"
        docker start "$(cid "$kind-1")" >/dev/null
    done
    fault "stop postgres-1, promote postgres-2"
    docker stop "$(cid postgres-1)" >/dev/null
    "$REPO_ROOT/deploy/ha/promote.sh" -p "$PROJECT" --env-file "$ENV_FILE" promote postgres-2 postgres-1 2>&1 | sed 's/^/  /' >&2
    sleep "$PHASE"
    fault "end"
    touch "$STOP"
    say "publishing ends; waiting for every outcome"
    wait "$bench_pid" || { bench_pid=""; cat "$WORK/bench.err" >&2; die "whistle-bench drill failed"; }
    bench_pid=""
    cat "$WORK/bench.out" >&2
}

# SQL on whichever database is the primary now.
primary_sql() {
    local service id
    for service in postgres-2 postgres-1; do
        id="$(cid "$service")"
        [[ -n "$id" && "$(docker inspect -f '{{.State.Running}}' "$id")" == true ]] || continue
        [[ "$(docker exec "$id" psql -X -At -h /tmp -U whistle -d whistle -c 'SELECT pg_is_in_recovery()')" == f ]] || continue
        docker exec "$id" psql -X -At -F ' ' -h /tmp -U whistle -d whistle -v ON_ERROR_STOP=1 -c "$1"
        return
    done
    die "no primary database"
}

count() {
    local run outbox t0=$SECONDS
    run="$(awk '$1 == "C" { sub(/-[0-9]+$/, "", $3); print $3; exit }' "$LOG")"
    [[ -n "$run" ]] || die "no demand was confirmed"
    # The outboxes empty (what the services decided is published).
    until outbox="$(primary_sql 'SELECT count(*) FROM outbox')" && ((outbox == 0)); do
        ((SECONDS - t0 < 120)) || die "$outbox outbox rows still unpublished after 120 s"
        sleep 2
    done
    {
        # D <message_id> <rows>: how often each demand of the run was recorded.
        primary_sql "SELECT 'D', message_id, count(*) FROM demands WHERE message_id LIKE '$run-%' GROUP BY 2"
        # S <assignment_id>: the assignments of the run's tickets, which must reach their queues.
        primary_sql "SELECT 'S', a.assignment_id FROM assignments a WHERE a.ticket_no IN
            (SELECT ticket_no FROM demands WHERE message_id LIKE '$run-%' AND ticket_no IS NOT NULL)"
        # R <n>: dispatch rounds recorded twice.
        primary_sql "SELECT 'R', count(*) FROM (SELECT ticket_no, data->>'round' FROM timeline WHERE type = 'ticket.dispatched'
            AND ticket_no IN (SELECT ticket_no FROM demands WHERE message_id LIKE '$run-%') GROUP BY 1, 2 HAVING count(*) > 1) d"
    } >"$WORK/database.txt"
    awk -f "$REPO_ROOT/deploy/ha/drill-table.awk" "$FAULTS" "$WORK/database.txt" "$LOG" | tee "$WORK/table.md"
}

trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[[ -n "${DOCKER_HOST:-}" ]] || say "note: DOCKER_HOST is not set (deploy/docker-engine.sh env dev)"
find_bench
make_env
t_start=$SECONDS
up
say "stack up and seeded in $((SECONDS - t_start)) s"
stream
faults
count
say "drill done in $((SECONDS - t_start)) s"
if grep -q '^RESULT ok' "$WORK/table.md"; then exit 0; fi
exit 1
