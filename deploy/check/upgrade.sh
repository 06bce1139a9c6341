#!/usr/bin/env bash
# upgrade.sh — compose-check's upgrade drill (sourced by deploy/compose-check.sh): the previous
# release up and filled with a day of demands, then HEAD's images over it with `docker-compose up
# -d`, and every ticket, timeline and score compared.

# What must survive an upgrade, table by table, in a stable order.
UPGRADE_TABLES=(
    "tickets:ticket_no"
    "demands:id"
    "assignments:assignment_id"
    "timeline:id"
    "feedback:id"
    "evaluations:id"
    "kpi_daily:department, day"
    "notifications:id"
)

# A day in a district: this many demands through every channel, then the departments at work.
UPGRADE_DEMANDS="${WHISTLE_CHECK_UPGRADE_DEMANDS:-600}"

check_psql() {
    check_compose exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -h /tmp -U whistle -d whistle -At "$@"
}

# snapshot FILE: every row of UPGRADE_TABLES as JSON, one table per line.
upgrade_snapshot() {
    local entry table order
    : >"$1"
    for entry in "${UPGRADE_TABLES[@]}"; do
        table="${entry%%:*}" order="${entry#*:}"
        printf '%s\t' "$table" >>"$1"
        check_psql -c "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY $order), '[]') FROM $table t" >>"$1"
    done
}

# The flow has settled when two snapshots a few seconds apart are equal and the outbox is empty.
upgrade_settle() {
    local a="$CHECK_DIR/settle-a.json" b="$CHECK_DIR/settle-b.json"
    upgrade_snapshot "$a"
    for _ in $(seq 1 30); do
        sleep 3
        upgrade_snapshot "$b"
        if cmp -s "$a" "$b" && [[ "$(check_psql -c 'SELECT count(*) FROM outbox')" == 0 ]]; then
            cp "$b" "$1"
            return 0
        fi
        mv "$b" "$a"
    done
    check_say "the previous release did not settle within 90 s"
    return 1
}

# whistle-bench in a one-off container of the stack's network, as the operator, with the previous
# release's own seed and sample demands (/seed, /samples).
check_bench() {
    # The adapters' passwords (the bench answers surveys as the adapters) pass by name, from this
    # subshell's environment: never on a command line.
    (
        local names=() line
        set -a
        # shellcheck source=/dev/null
        source "$CHECK_ACCOUNTS"
        set +a
        while IFS= read -r line; do
            [[ "$line" == WHISTLE_AMQP_PASSWORD_*=* ]] && names+=(-e "${line%%=*}")
        done <"$CHECK_ACCOUNTS"
        check_compose run --rm --no-deps -T "${names[@]}" --entrypoint whistle-bench \
            -v "$PREVIOUS_SEED:/seed:ro" -v "$CHECK_DIR/previous/deploy/samples/demands:/samples:ro" whistlectl "$@"
    )
}

check_upgrade_fill() {
    # The previous release's own seed folder (the images step unpacked that release): today's
    # reference data may hold what the previous whistlectl cannot read (issue 15's whistle deadlines).
    PREVIOUS_SEED="$CHECK_DIR/previous/deploy/seed"
    [[ -d "$PREVIOUS_SEED" ]] || check_die "the previous release is not unpacked in $CHECK_DIR/previous (the images step does it)"
    export WHISTLE_IMAGE_TAG=previous
    check_up previous
    # The previous release's own seed: its reference data and its adapters' and departments'
    # broker users (the day of demands below answers surveys as the adapters).
    WHISTLE_SEED_DIR="$PREVIOUS_SEED" check_compose run --rm -T seed
    check_bench burst --count "$UPGRADE_DEMANDS" --samples /samples
    check_bench work --departments /seed/departments.yaml --idle 5
    upgrade_settle "$CHECK_DIR/before-upgrade.json"
    python3 - "$CHECK_DIR/before-upgrade.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    table, rows = line.rstrip("\n").split("\t", 1)
    print(f"  {table:14} {len(json.loads(rows)):6} rows")
PY
}

check_upgrade_verify() {
    export WHISTLE_IMAGE_TAG=latest
    check_say "upgrading: docker-compose up -d with HEAD's images (migrate runs first, then the services are recreated)"
    check_up latest
    check_compose logs --no-color migrate | tail -n 5
    upgrade_snapshot "$CHECK_DIR/after-upgrade.json"
    # Every row and every column of before must be in after, unchanged (new columns may be added).
    python3 - "$CHECK_DIR/before-upgrade.json" "$CHECK_DIR/after-upgrade.json" <<'PY'
import json, sys
def load(path):
    out = {}
    for line in open(path):
        table, rows = line.rstrip("\n").split("\t", 1)
        out[table] = json.loads(rows)
    return out
before, after = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for table, rows in before.items():
    new = after.get(table, [])
    if len(new) != len(rows):
        print(f"  {table}: {len(rows)} rows before, {len(new)} after"); bad += 1; continue
    changed = sum(1 for old, cur in zip(rows, new) if any(cur.get(k) != v for k, v in old.items()))
    print(f"  {table:14} {len(rows):6} rows, {changed} changed")
    bad += changed > 0
sys.exit(1 if bad else 0)
PY
    # The read API of HEAD answers for the tickets the previous release opened, with their timelines.
    local token no count
    token="$(check_token XS-ZHZX)"
    for no in $(check_psql -c "SELECT ticket_no FROM tickets ORDER BY ticket_no LIMIT 3"); do
        count="$(check_psql -v no="$no" <<<"SELECT count(*) FROM timeline WHERE ticket_no = :'no'")"
        check_api "/v1/tickets/$no" "$token" | python3 -c "
import json, sys
t = json.load(sys.stdin); n = len(t.get('timeline', []))
print(f'  GET /v1/tickets/$no: {t[\"status\"]}, {n} timeline entries (database: $count)')
sys.exit(0 if n == int('$count') else 1)"
    done
    check_api "/v1/scores" "$token" >/dev/null
}
