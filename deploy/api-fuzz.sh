#!/usr/bin/env bash
# api-fuzz.sh — fuzzes evaluator's HTTP API from its OpenAPI document (docs/openapi.json) with
# schemathesis: no 5xx and no response that the document does not allow.
#
#   deploy/api-fuzz.sh        (the test servers must run: deploy/servers.sh start test)
#
# On the `test` profile's servers it makes a vhost and a database of its own, migrates and seeds
# it (whistlectl as the owner), starts intake, dispatcher and evaluator under their own roles,
# publishes deploy/samples/demands and lets departments and citizens answer (whistle-bench
# work), mints a token for the district command center, runs schemathesis, and removes all it
# made on exit, whatever happens. Exit status: schemathesis's (0 when nothing was found).
#
# Environment:
#   WHISTLE_TEST_BIN_DIR   the built binaries (default: .build/debug)
#   FUZZ_MAX_EXAMPLES      test cases per operation and phase (default 30)
#   FUZZ_MAX_TIME          seconds schemathesis may run at most (default 180)
#   FUZZ_SEED              schemathesis's random seed (default: a new one, printed)
#   FUZZ_REPORT_DIR        where the JUnit report goes (default: a temporary folder, printed)
#   FUZZ_KEEP=1            keep the vhost, the database and the service logs (for a post-mortem)
set -euo pipefail

# shellcheck source=deploy/servers.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/servers.sh"
SERVERS="$REPO_ROOT/deploy/servers.sh"
select_profile "${WHISTLE_TEST_PROFILE:-test}"

BIN_DIR="${WHISTLE_TEST_BIN_DIR:-$REPO_ROOT/.build/debug}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-30}"
MAX_TIME="${FUZZ_MAX_TIME:-180}"
SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"
SCHEMA="$REPO_ROOT/docs/openapi.json"
# The version this script was written against (deploy/servers.sh install installs it).
SCHEMATHESIS_VERSION=4.32.5
JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SUFFIX="$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
VHOST="fuzz-$SUFFIX"
DATABASE="whistle_fuzz_$SUFFIX"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/whistle-api-fuzz.XXXXXX")"
REPORT_DIR="${FUZZ_REPORT_DIR:-$WORK/report}"
PIDS=()

cleanup() {
    local rc=$? pid
    trap - EXIT
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait_pid_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true; done
    if [[ "${FUZZ_KEEP:-0}" == 1 ]]; then
        say "kept vhost $VHOST, database $DATABASE and the logs in $WORK"
    else
        "$SERVERS" rabbitmqctl "$PROFILE" delete_vhost "$VHOST" >/dev/null 2>&1 || true
        "$SERVERS" psql "$PROFILE" -q -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
        if [[ -n "${FUZZ_REPORT_DIR:-}" ]]; then rm -rf "$WORK"; else find "$WORK" -maxdepth 1 -name '*.log' -delete; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[api-fuzz] %s\n' "$*" >&2; }
die() { printf '[api-fuzz] error: %s\n' "$*" >&2; exit 2; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
vhost_url() { printf 'amqp://%s:%s@127.0.0.1:%s/%s' "$1" "$1" "$AMQP_PORT" "$VHOST"; }
owner_url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s' "$PG_ROLE" "$PG_PASSWORD" "$PG_PORT" "$DATABASE"; }
role_url() { printf 'postgres://whistle_%s:whistle_%s@127.0.0.1:%s/%s' "$1" "$1" "$PG_PORT" "$DATABASE"; }
ctl() { WHISTLE_AMQP_URL="$(vhost_url "$RABBITMQ_ADMIN")" WHISTLE_DATABASE_URL="$(owner_url)" "$BIN_DIR/whistlectl" "$@"; }
sql() { "$SERVERS" psql "$PROFILE" -d "$DATABASE" -At -c "$1"; }

# start_service NAME PORT [VAR=VALUE...]: the built service on loopback, its log in $WORK.
start_service() {
    local name="$1" port="$2"
    shift 2
    (
        close_inherited_fds
        exec env WHISTLE_AMQP_URL="$(vhost_url "whistle-$name")" WHISTLE_DATABASE_URL="$(role_url "$name")" \
            WHISTLE_MIGRATE=false WHISTLE_HTTP_HOST=127.0.0.1 WHISTLE_HTTP_PORT="$port" "$@" \
            "$BIN_DIR/$name" >>"$WORK/$name.log" 2>&1 </dev/null
    ) &
    PIDS+=("$!")
}

wait_healthy() {
    local name="$1" port="$2" deadline=$((SECONDS + 60))
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/healthz" || true)" == 200 ]]; do
        if ((SECONDS >= deadline)); then
            tail -n 30 "$WORK/$name.log" >&2
            die "$name was not healthy within 60 s"
        fi
        sleep 0.3
    done
}

# mint_token --department CODE | --role auditor: a token, whistlectl's when it has `token issue`,
# else an HS256 JWT made here with the same claims.
mint_token() {
    if "$BIN_DIR/whistlectl" token issue --help >/dev/null 2>&1; then
        WHISTLE_API_JWT_SECRET="$JWT_SECRET" "$BIN_DIR/whistlectl" token issue "$@" --ttl 1h
        return
    fi
    say "whistlectl has no 'token issue': minting the HS256 token here"
    SECRET="$JWT_SECRET" python3 - "$@" <<'EOF'
import base64, hashlib, hmac, json, os, sys, time
part = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
claims = {"exp": int(time.time()) + 3600, sys.argv[1].lstrip("-"): sys.argv[2]}
header, body = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()), part(json.dumps(claims).encode())
signature = hmac.new(os.environ["SECRET"].encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
print(f"{header}.{body}.{part(signature)}")
EOF
}

# The run's configuration: the district's real ticket numbers and department codes as likely
# values of the parameters that name them (else nearly every ticket read is a 404), and 400
# accepted as the answer to well-formed dates, since `from` after `to` or a range of over 10
# years is a rule between two parameters that no schema can state.
write_config() {
    local tickets departments services
    tickets="$(sql "SELECT string_agg('\"' || ticket_no || '\"', ', ') FROM tickets")"
    departments="$(sql "SELECT string_agg('\"' || code || '\"', ', ') FROM departments")"
    services="$(sql "SELECT string_agg('\"' || code || '\"', ', ') FROM categories WHERE parent_code IS NOT NULL")"
    cat <<EOF
[dictionaries.tickets]
values = [$tickets]

[dictionaries.departments]
values = [$departments]

[dictionaries.services]
values = [$services]

[[operations]]
include-path = "/v1/tickets/{ticket_no}"
parameters = { "path.ticket_no" = { dictionary = "tickets", probability = 0.7 } }

[[operations]]
include-path = "/v1/tickets"
parameters = { "query.before" = { dictionary = "tickets", probability = 0.3 }, "query.lead_department" = { dictionary = "departments", probability = 0.5 } }

[[operations]]
include-path = "/v1/scores/{department}/daily"
parameters = { "path.department" = { dictionary = "departments", probability = 0.7 } }
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]

[[operations]]
include-path-regex = '^/(v1/scores|v1/scores\.csv|v1/access-log)?$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]

[[operations]]
include-path = "/open311/v2/requests/{service_request_id}.json"
parameters = { "path.service_request_id" = { dictionary = "tickets", probability = 0.7 } }
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

[[operations]]
include-path = "/open311/v2/services/{service_code}.json"
parameters = { "path.service_code" = { dictionary = "services", probability = 0.7 } }
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

[[operations]]
include-path-regex = '^/open311/v2/((discovery|services|requests)\.json|tokens/.*)$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "403", "404"]
EOF
}


# --- preconditions --------------------------------------------------------------------------
command -v schemathesis >/dev/null || die "schemathesis is not installed (pip install schemathesis==$SCHEMATHESIS_VERSION)"
"$SERVERS" status "$PROFILE" >/dev/null 2>&1 || die "the test servers do not run (deploy/servers.sh start test)"
for binary in whistlectl intake dispatcher evaluator whistle-bench; do
    [[ -x "$BIN_DIR/$binary" ]] || die "no $BIN_DIR/$binary (swift build first, or set WHISTLE_TEST_BIN_DIR)"
done
[[ -f "$SCHEMA" ]] || die "no $SCHEMA"

# --- a district with tickets ----------------------------------------------------------------
T0="$(now)"
"$SERVERS" rabbitmqctl "$PROFILE" add_vhost "$VHOST" >/dev/null
"$SERVERS" rabbitmqctl "$PROFILE" set_permissions -p "$VHOST" "$RABBITMQ_ADMIN" '.*' '.*' '.*' >/dev/null
"$SERVERS" grant-vhost "$PROFILE" "$VHOST"
"$SERVERS" psql "$PROFILE" -q -c "CREATE DATABASE $DATABASE OWNER $PG_ROLE" >/dev/null
ctl migrate >"$WORK/whistlectl.log" 2>&1 || { cat "$WORK/whistlectl.log" >&2; die "whistlectl migrate failed"; }
ctl seed "$REPO_ROOT/deploy/seed" >>"$WORK/whistlectl.log" 2>&1 || { cat "$WORK/whistlectl.log" >&2; die "whistlectl seed failed"; }

INTAKE_PORT="$(free_port)"
DISPATCHER_PORT="$(free_port)"
EVALUATOR_PORT="$(free_port)"
start_service intake "$INTAKE_PORT"
start_service dispatcher "$DISPATCHER_PORT"
start_service evaluator "$EVALUATOR_PORT" WHISTLE_API_JWT_SECRET="$JWT_SECRET"
wait_healthy intake "$INTAKE_PORT"
wait_healthy dispatcher "$DISPATCHER_PORT"
wait_healthy evaluator "$EVALUATOR_PORT"

SAMPLES=("$REPO_ROOT"/deploy/samples/demands/*.json)
for file in "${SAMPLES[@]}"; do
    name="${file##*/}"
    ctl publish --channel "${name%%-*}" --file "$file" >>"$WORK/whistlectl.log" 2>&1 || die "publishing $name failed"
done
deadline=$((SECONDS + 30))
until (($(sql "SELECT count(*) FROM demands") >= ${#SAMPLES[@]})); do
    ((SECONDS < deadline)) || die "intake stored $(sql "SELECT count(*) FROM demands") of ${#SAMPLES[@]} demands in 30 s"
    sleep 0.3
done
# Departments acknowledge and complete, citizens answer, streets evaluate: scores to compute.
WHISTLE_AMQP_URL="$(vhost_url "$RABBITMQ_ADMIN")" timeout 60 "$BIN_DIR/whistle-bench" work \
    --departments "$REPO_ROOT/deploy/seed/departments.yaml" --idle 3 >"$WORK/whistle-bench.log" 2>&1 \
    || say "whistle-bench work ended with $? (the fuzzing goes on with what there is)"
say "district ready in $(elapsed "$T0") s: $(sql "SELECT count(*) FROM tickets") tickets, $(sql "SELECT count(*) FROM timeline") timeline entries"

TOKEN="$(mint_token --department XS-ZHZX)"
AUDITOR_TOKEN="$(mint_token --role auditor)"
[[ -n "$TOKEN" && -n "$AUDITOR_TOKEN" ]] || die "no token"
write_config >"$WORK/schemathesis.toml"

# --- fuzzing --------------------------------------------------------------------------------
# schemathesis_run ARGS...: one run against the evaluator, bounded in examples and time.
schemathesis_run() {
    timeout --signal=INT --kill-after=15 "$MAX_TIME" schemathesis --config-file "$WORK/schemathesis.toml" run "$SCHEMA" \
        --url "http://127.0.0.1:$EVALUATOR_PORT" --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
        --request-timeout 10 --generation-database none --no-color --report junit --report-dir "$REPORT_DIR" "$@"
}

# fuzz: runs schemathesis; its status (0 when it found nothing) is the script's.
fuzz() {
    local t1 rc=0 rc2=0
    say "schemathesis $(schemathesis --version | awk '{ print $NF }') against evaluator on :$EVALUATOR_PORT (seed $SEED, at most $MAX_TIME s a run)"
    say "schemathesis --config-file <run config> run docs/openapi.json --url http://127.0.0.1:$EVALUATOR_PORT --checks all --max-examples $MAX_EXAMPLES --seed $SEED --workers 1 --request-timeout 10 --generation-database none --header 'Authorization: Bearer <token>'"
    t1="$(now)"
    say "run 1: every operation, as the district command center XS-ZHZX"
    schemathesis_run --header "Authorization: Bearer $TOKEN" || rc=$?
    say "run 2: GET /v1/access-log, as an auditor"
    schemathesis_run --header "Authorization: Bearer $AUDITOR_TOKEN" --include-path /v1/access-log --phases examples,coverage,fuzzing || rc2=$?
    ((rc != 0)) || rc=$rc2
    say "schemathesis took $(elapsed "$t1") s, exit $rc; JUnit reports in $REPORT_DIR"
    ((rc != 124)) || say "schemathesis did not finish within $MAX_TIME s (FUZZ_MAX_TIME)"
    if grep -qE '^[^ ]+ (error|critical) ' "$WORK/evaluator.log" 2>/dev/null; then
        say "evaluator logged errors:"
        grep -E '^[^ ]+ (error|critical) ' "$WORK/evaluator.log" | tail -n 10 >&2 || true
    fi
    return "$rc"
}
fuzz
