#!/usr/bin/env bash
# run.sh — THE main job: Whistle running on this machine, fed with the sample demands.
#
#   ./deploy/run.sh           servers of the `run` profile, release build, the four services in
#                             the background, reference data, every sample demand published,
#                             then where they went
#   ./deploy/run.sh status    what runs
#   ./deploy/run.sh stop      the four services (SIGTERM, graceful), then the servers
#
# Service logs: .local/run/logs/<service>.log; pid files: .local/run/pids/<service>.pid.
set -euo pipefail

# shellcheck source=deploy/servers.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/servers.sh"
SERVERS="$REPO_ROOT/deploy/servers.sh"
select_profile run

SERVICES=(intake dispatcher notifier evaluator)
declare -A HTTP_PORT=([evaluator]=7800 [intake]=7801 [dispatcher]=7802 [notifier]=7803)
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
HEALTH_TIMEOUT=60
STOP_TIMEOUT=15
# A local webhook receiver for notifier (whistlectl webhook-sink), with a development secret.
SINK_PORT=7809
NOTIFY_SECRET="whistle-local-notify-secret"
# The read API's token secret of this local run (generated once, kept beside the run's data).
API_SECRET_FILE="$REPO_ROOT/.local/run/api-jwt-secret"

say() { printf '[run] %s\n' "$*"; }
die() { printf '[run] error: %s\n' "$*" >&2; exit 1; }

# phase NAME CMD...: runs CMD and prints how long it took (a failure ends the script: set -e).
CURRENT_PHASE=""
phase() {
    local t0
    CURRENT_PHASE="$1"
    shift
    printf '\n==> %s\n' "$CURRENT_PHASE"
    t0="$(now)"
    "$@"
    printf '<== %s: %s s\n' "$CURRENT_PHASE" "$(elapsed "$t0")"
    CURRENT_PHASE=""
}

# service_pid SVC: the pid of SVC when it runs (from its pid file, checked against /proc).
service_pid() {
    local pid argv0
    pid="$(cat "$PID_DIR/$1.pid" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    # A recycled pid runs something else: the process's argv[0] names the service.
    argv0="$(head -z -n 1 "/proc/$pid/cmdline" 2>/dev/null | tr -d '\0')"
    [[ "${argv0##*/}" == "$1" ]] || return 1
    printf '%s\n' "$pid"
}

health_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:${HTTP_PORT[$1]}/healthz" || true
}

stop_services() {
    local svc pid
    for svc in "${SERVICES[@]}"; do
        if pid="$(service_pid "$svc")"; then
            say "stopping $svc (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for svc in "${SERVICES[@]}"; do
        if pid="$(service_pid "$svc")"; then
            if ! wait_pid_gone "$pid" "$STOP_TIMEOUT"; then
                say "$svc did not stop within $STOP_TIMEOUT s after SIGTERM: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                wait_pid_gone "$pid" 5 || true
            fi
        fi
        rm -f "$PID_DIR/$svc.pid"
    done
}

# sink_pid: the pid of the local webhook receiver when it runs.
sink_pid() {
    local pid
    pid="$(cat "$PID_DIR/webhook-sink.pid" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'webhook-sink' || return 1
    printf '%s\n' "$pid"
}

stop_sink() {
    local pid
    if pid="$(sink_pid)"; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_DIR/webhook-sink.pid"
}

# Starts whistlectl webhook-sink: it verifies each signed delivery and prints it, masked.
start_sink() {
    local pid
    stop_sink
    port_in_use "$SINK_PORT" && die "port $SINK_PORT for the webhook sink is already in use ($(port_owner "$SINK_PORT"))"
    mkdir -p "$LOG_DIR" "$PID_DIR"
    (
        close_inherited_fds
        cd "$STATE_DIR"
        exec setsid nohup "$BIN_DIR/whistlectl" webhook-sink --port "$SINK_PORT" --secret "$NOTIFY_SECRET" \
            --record "$LOG_DIR/webhooks.jsonl" >>"$LOG_DIR/webhook-sink.log" 2>&1 </dev/null
    ) &
    pid=$!
    printf '%s\n' "$pid" >"$PID_DIR/webhook-sink.pid"
    say "started the webhook sink (pid $pid), http://127.0.0.1:$SINK_PORT, log ${LOG_DIR#"$REPO_ROOT"/}/webhook-sink.log"
}

# The environment notifier needs to deliver to the local sink (plain http on this host, hence
# WHISTLE_NOTIFY_ALLOW_HTTP; production endpoints are https).
notify_env() {
    local audience
    for audience in CITIZEN DEPARTMENT SUPERVISOR REPORTER; do
        printf 'WHISTLE_NOTIFY_%s_URL=http://127.0.0.1:%s/%s\n' "$audience" "$SINK_PORT" "${audience,,}"
    done
    printf 'WHISTLE_NOTIFY_SECRET=%s\n' "$NOTIFY_SECRET"
    printf 'WHISTLE_NOTIFY_ALLOW_HTTP=true\n'
}

# The local run's API secret: made once with openssl, readable by root only.
api_secret() {
    if [[ ! -s "$API_SECRET_FILE" ]]; then
        mkdir -p "$(dirname "$API_SECRET_FILE")"
        (umask 077 && openssl rand -hex 32 >"$API_SECRET_FILE")
    fi
    cat "$API_SECRET_FILE"
}

# An API token (8 h) for a department of the sample district.
api_token() {
    WHISTLE_API_JWT_SECRET="$(api_secret)" "$BIN_DIR/whistlectl" token issue --department "$1" --ttl 8h
}

build_release() {
    swift build -c release
    BIN_DIR="$(swift build -c release --show-bin-path)"
    local svc
    for svc in "${SERVICES[@]}" whistlectl whistle-bench; do
        [[ -x "$BIN_DIR/$svc" ]] || die "the release build has no $BIN_DIR/$svc"
    done
}

# (Re)starts the four services: a previous run's are stopped first, so the new build runs.
start_services() {
    local svc port pid
    stop_services
    for svc in "${SERVICES[@]}"; do
        port="${HTTP_PORT[$svc]}"
        if port_in_use "$port"; then
            die "port $port for $svc is already in use ($(port_owner "$port"))"
        fi
    done
    mkdir -p "$LOG_DIR" "$PID_DIR"
    start_sink
    local extra secret
    # Read (or made) once, before the services start side by side.
    secret="$(api_secret)"
    for svc in "${SERVICES[@]}"; do
        port="${HTTP_PORT[$svc]}"
        extra=()
        [[ "$svc" == notifier ]] && mapfile -t extra < <(notify_env)
        printf '\n===== %s start =====\n' "$(date -Is)" >>"$LOG_DIR/$svc.log"
        # Its own session, no terminal, none of this shell's descriptors; `exec` keeps the pid.
        (
            close_inherited_fds
            cd "$STATE_DIR"
            exec setsid nohup env \
                WHISTLE_AMQP_URL="$(amqp_url "whistle-$svc")" \
                WHISTLE_DATABASE_URL="$(service_database_url "$svc")" \
                WHISTLE_MIGRATE=false \
                MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
                WHISTLE_HTTP_HOST=127.0.0.1 \
                WHISTLE_HTTP_PORT="$port" \
                WHISTLE_API_JWT_SECRET="$secret" \
                "${extra[@]}" \
                "$BIN_DIR/$svc" >>"$LOG_DIR/$svc.log" 2>&1 </dev/null
        ) &
        pid=$!
        printf '%s\n' "$pid" >"$PID_DIR/$svc.pid"
        say "started $svc (pid $pid), http://127.0.0.1:$port, log ${LOG_DIR#"$REPO_ROOT"/}/$svc.log"
    done
}

wait_healthy() {
    local svc pid deadline=$((SECONDS + HEALTH_TIMEOUT))
    for svc in "${SERVICES[@]}"; do
        until [[ "$(health_code "$svc")" == 200 ]]; do
            pid="$(cat "$PID_DIR/$svc.pid")"
            if ! kill -0 "$pid" 2>/dev/null; then
                fail_service "$svc" "exited before it was healthy"
            fi
            if ((SECONDS >= deadline)); then
                fail_service "$svc" "was not healthy within $HEALTH_TIMEOUT s (last /healthz: $(health_code "$svc"))"
            fi
            sleep 0.5
        done
        say "$svc healthy"
    done
}

# fail_service SVC WHY: shows the end of its log, stops the services, fails.
fail_service() {
    printf -- '--- last lines of %s ---\n' "$LOG_DIR/$1.log" >&2
    tail -n 40 "$LOG_DIR/$1.log" >&2
    stop_services
    die "$1 $2 (logs kept in $LOG_DIR; the servers still run: ./deploy/run.sh stop)"
}

# whistlectl ARGS...: as the admin user, against the run profile's servers.
whistlectl() {
    WHISTLE_AMQP_URL="$(amqp_url "$RABBITMQ_ADMIN")" WHISTLE_DATABASE_URL="$(database_url)" \
        "$BIN_DIR/whistlectl" "$@"
}

# Publishes every sample; a failure is counted in PUBLISH_FAILED, and the rest still go.
PUBLISH_FAILED=0
publish_samples() {
    local file name channel count=0
    shopt -s nullglob
    local files=("$REPO_ROOT"/deploy/samples/demands/*.json)
    shopt -u nullglob
    ((${#files[@]})) || { say "no sample demands in deploy/samples/demands/"; return 0; }
    for file in "${files[@]}"; do
        name="${file##*/}"
        channel="${name%%-*}"
        count=$((count + 1))
        printf '  %-10s %s\n' "$channel" "$name"
        if ! whistlectl publish --channel "$channel" --file "$file"; then
            say "publishing $name failed"
            PUBLISH_FAILED=$((PUBLISH_FAILED + 1))
        fi
    done
    say "published $((count - PUBLISH_FAILED)) of $count sample demands"
}

# Publishes the sample whistles (吹哨) of a street office, the district and the city command center.
publish_whistles() {
    local file
    shopt -s nullglob
    local files=("$REPO_ROOT"/deploy/samples/whistles/*.json)
    shopt -u nullglob
    for file in "${files[@]}"; do
        printf '  %-10s %s\n' whistle "${file##*/}"
        if ! whistlectl publish --kind whistle --file "$file" --wait 10; then
            say "publishing ${file##*/} failed"
            PUBLISH_FAILED=$((PUBLISH_FAILED + 1))
        fi
    done
}

# The web channel: registers an Open311 client and an HTTP adapter (each key is shown
# once), then POSTs a GeoReport request and a plain HTTP demand to evaluator, which publishes them
# to intake like any adapter's demand; prints each answer and the Open311 view of the ticket.
publish_http() {
    local base="http://127.0.0.1:${HTTP_PORT[evaluator]}" suffix portal_key adapter_key answer ticket
    suffix="$(date +%s)"
    portal_key="$(whistlectl open311 clients add "portal-$suffix" --name "云城市民网站" | tail -n 1)"
    adapter_key="$(whistlectl adapters add "webform-$suffix" --channel 12345 --name "12345 网页表单" | tail -n 1)"
    [[ -n "$portal_key" && -n "$adapter_key" ]] || { say "registering the HTTP clients failed"; return 1; }
    say "Open311 client portal-$suffix and HTTP adapter webform-$suffix registered (whistlectl open311 clients list)"
    printf '  POST /open311/v2/requests.json  (an address only: the gazetteer places it)\n  '
    answer="$(curl -sS --max-time 10 "$base/open311/v2/requests.json" \
        --data-urlencode "api_key=$portal_key" --data-urlencode "service_code=SZSS-DLPS" \
        --data-urlencode "address_string=云城市西山区青石街道石桥路12号门口" \
        --data-urlencode "description=石桥路12号门口人行道地砖塌陷，已经有老人绊倒" \
        --data-urlencode "external_id=portal-sample-$suffix")"
    printf '%s\n' "$answer"
    ticket="$(sed -n 's/.*"service_request_id":"\([^"]*\)".*/\1/p' <<<"$answer")"
    printf '  POST /v1/demands/12345  (Idempotency-Key webform-sample-%s)\n  ' "$suffix"
    curl -sS --max-time 10 "$base/v1/demands/12345" -H "Authorization: Bearer $adapter_key" \
        -H "Idempotency-Key: webform-sample-$suffix" -H 'Content-Type: application/json' \
        --data-binary "{\"external_id\":\"WEB-$suffix\",\"submitted_at\":\"$(date -Iseconds)\",\"content\":\"柳巷社区垃圾站三天没清运，气味很大\",\"location\":{\"lat\":25.0160,\"lon\":102.6985}}"
    echo
    if [[ -n "$ticket" ]]; then
        printf '  GET /open311/v2/requests/%s.json  (public: no name, no phone)\n  ' "$ticket"
        curl -sS --max-time 5 "$base/open311/v2/requests/$ticket.json"
        echo
    fi
}

cmd_start() {
    local t0
    t0="$(now)"
    phase "install packages" "$SERVERS" install
    phase "start servers (profile run)" "$SERVERS" start run
    phase "swift build -c release" build_release
    # The schema and the services' grants, by the owner; the services connect as their own roles.
    phase "whistlectl migrate" whistlectl migrate
    # Reference data first, so that the services start with the district's codes.
    phase "whistlectl seed deploy/seed" whistlectl seed deploy/seed
    phase "start services" start_services
    phase "wait for /healthz" wait_healthy
    phase "publish deploy/samples/demands" publish_samples
    phase "publish deploy/samples/whistles (a street office, the district and the city blow the whistle)" publish_whistles
    phase "publish over HTTP (an Open311 client and a 12345 web form)" publish_http
    say "waiting 3 s for the demands to flow"
    sleep 3
    phase "whistlectl tickets --recent 20" whistlectl tickets --recent 20
    phase "whistlectl outcomes --recent 40" whistlectl outcomes --recent 40
    phase "whistlectl notifications list --ticket $(TZ="${WHISTLE_TIMEZONE:-Asia/Shanghai}" date +W%Y%m%d-000001)" \
        whistlectl notifications list --ticket "$(TZ="${WHISTLE_TIMEZONE:-Asia/Shanghai}" date +W%Y%m%d-000001)"
    phase "webhook deliveries (last 12)" tail -n 12 "$LOG_DIR/webhook-sink.log"
    # The departments, citizens and streets at work, so that the scores have something to count.
    phase "whistle-bench work (departments reply, citizens answer, streets evaluate)" \
        env WHISTLE_AMQP_URL="$(amqp_url "$RABBITMQ_ADMIN")" "$BIN_DIR/whistle-bench" work --departments deploy/seed/departments.yaml --idle 3
    say "waiting 2 s for the last replies to be counted"
    sleep 2
    phase "whistlectl scores show" whistlectl scores show
    local token
    token="$(api_token XS-ZHZX)"
    phase "hotspots (GET /v1/hotspots?window=24h, as the district command center)" \
        curl -sS --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:${HTTP_PORT[evaluator]}/v1/hotspots?window=24h"
    echo

    cat <<EOF

Whistle runs (started in $(elapsed "$t0") s):
  dashboard      http://127.0.0.1:${HTTP_PORT[evaluator]}/   (scores, overdue and escalated tickets, grid heat map, trend, hotspots)
  log in         http://127.0.0.1:${HTTP_PORT[evaluator]}/login?token=$token
                 (the district command center 西山区社会治理指挥中心, valid 8 h; the token goes into a session cookie)
  API token      $token
                 (XS-ZHZX: curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:${HTTP_PORT[evaluator]}/v1/tickets;
                  another department: WHISTLE_API_JWT_SECRET=\$(cat ${API_SECRET_FILE#"$REPO_ROOT"/}) whistlectl token issue --department CODE)
  read API       http://127.0.0.1:${HTTP_PORT[evaluator]}/v1/scores  (/v1/scores.csv, /v1/hotspots, /v1/tickets, /v1/tickets/<no>, /v1/access-log; public: /v1/categories, /v1/areas)
  departments    http://127.0.0.1:${HTTP_PORT[evaluator]}/v1/departments
  health         http://127.0.0.1:${HTTP_PORT[evaluator]}/healthz   (intake :${HTTP_PORT[intake]}, dispatcher :${HTTP_PORT[dispatcher]}, notifier :${HTTP_PORT[notifier]})
  logs           ${LOG_DIR#"$REPO_ROOT"/}/<service>.log
  webhooks       http://127.0.0.1:$SINK_PORT (whistlectl webhook-sink; ${LOG_DIR#"$REPO_ROOT"/}/webhook-sink.log)
  whistlectl     eval "\$(deploy/servers.sh env run)"; $BIN_DIR/whistlectl --help
  status         ./deploy/run.sh status
  stop           ./deploy/run.sh stop
EOF
    ((PUBLISH_FAILED == 0)) || die "$PUBLISH_FAILED sample demand(s) could not be published (see above)"
}

cmd_status() {
    local svc pid rc=0
    printf 'services\n'
    for svc in "${SERVICES[@]}"; do
        if pid="$(service_pid "$svc")"; then
            printf '  %-10s running  pid %-7s http://127.0.0.1:%s  /healthz %s\n' \
                "$svc" "$pid" "${HTTP_PORT[$svc]}" "$(health_code "$svc")"
        else
            printf '  %-10s stopped                http://127.0.0.1:%s\n' "$svc" "${HTTP_PORT[$svc]}"
            rc=3
        fi
    done
    "$SERVERS" status run || rc=3
    return "$rc"
}

cmd_stop() {
    stop_services
    stop_sink
    "$SERVERS" stop run
}

on_exit() {
    local rc=$?
    if ((rc != 0)) && [[ -n "$CURRENT_PHASE" ]]; then
        printf '[run] failed during: %s (exit %s)\n' "$CURRENT_PHASE" "$rc" >&2
    fi
}
trap on_exit EXIT

cd "$REPO_ROOT"
case "${1:-start}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (start | stop | status)" ;;
esac
