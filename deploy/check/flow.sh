#!/usr/bin/env bash
# flow.sh — compose-check's seed and flow steps (sourced by deploy/compose-check.sh): the operator's
# district loaded into the stack, then the sample demands of every channel published through the
# stack's broker port by the adapters, the departments, citizens and streets at work, the read
# API and dashboard answering, and an Open311 request POSTed through evaluator.

# file_value FILE NAME: NAME's value in a KEY=VALUE file (empty when it has none).
file_value() { { grep -E "^$2=" "$1" || true; } | tail -n 1 | cut -d= -f2-; }

# account_password USER: USER's password in the check's accounts file (the variable that
# whistlectl broker-definitions variable names, as deploy/secrets.sh --accounts wrote it).
account_password() {
    local variable
    variable="$("$REPO_ROOT/deploy/whistlectl.sh" broker-definitions variable --user "$1")" || return 1
    file_value "$CHECK_ACCOUNTS" "$variable"
}

# adapter_ctl CHANNEL ARGS...: whistlectl on the host's network, as adapter-CHANNEL, through the
# broker port the stack publishes on 127.0.0.1: where a channel adapter outside the stack connects.
adapter_ctl() {
    local channel="$1" password
    shift
    password="$(account_password "adapter-$channel")"
    [[ -n "$password" ]] || { check_say "no password for adapter-$channel in ${CHECK_ACCOUNTS#"$REPO_ROOT"/}"; return 1; }
    docker run --rm --network host --read-only --cap-drop ALL \
        -v "$REPO_ROOT/deploy/samples:/samples:ro" \
        -e WHISTLE_AMQP_URL="amqp://adapter-$channel:$password@127.0.0.1:$CHECK_AMQP_PORT/%2F" \
        --entrypoint whistlectl whistle:latest "$@"
}

check_flow() {
    local file name channel published=0 before after token no
    before="$(check_psql -c 'SELECT count(*) FROM tickets')"
    for file in "$REPO_ROOT"/deploy/samples/demands/*.json; do
        name="$(basename "$file")"
        channel="${name%%-*}"
        adapter_ctl "$channel" publish --channel "$channel" --file "/samples/demands/$name" >/dev/null
        published=$((published + 1))
    done
    check_say "published $published sample demands as the adapters of 4 channels, through 127.0.0.1:$CHECK_AMQP_PORT"
    sleep 3
    after="$(check_psql -c 'SELECT count(*) FROM tickets')"
    check_say "$((after - before)) new tickets"
    ((after > before)) || { check_say "no ticket was opened"; return 1; }
    check_ctl outcomes --recent "$published"
    # Departments acknowledge and finish (as the operator's desk), citizens answer surveys as the
    # adapters, streets evaluate their whistles as themselves (their passwords from the accounts
    # file, handed over as variables), all through the published broker port.
    docker run --rm --network host --read-only --cap-drop ALL --env-file "$CHECK_ACCOUNTS" \
        -v "$REPO_ROOT/deploy/seed:/seed:ro" \
        -e WHISTLE_AMQP_URL="amqp://whistle-admin:$(file_value "$CHECK_ENV" WHISTLE_AMQP_PASSWORD_ADMIN)@127.0.0.1:$CHECK_AMQP_PORT/%2F" \
        --entrypoint whistle-bench whistle:latest work --departments /seed/departments.yaml --idle 4
    sleep 2
    token="$(check_token XS-ZHZX)"
    # The newest ticket, opened by a demand the stack's broker carried, as the read API shows it.
    no="$(check_psql -c 'SELECT ticket_no FROM tickets ORDER BY opened_at DESC, ticket_no DESC LIMIT 1')"
    check_api "/v1/tickets/$no" "$token" | python3 -c "
import json, sys
t = json.load(sys.stdin)
print(f'GET /v1/tickets/$no: {t[\"status\"]}, category {t.get(\"category\")}, {len(t.get(\"timeline\", []))} timeline entries')"
    check_api "/v1/scores" "$token" | python3 -c "
import json, sys
s = json.load(sys.stdin)
rows = s.get('departments', s if isinstance(s, list) else [])
print(f'GET /v1/scores: {len(rows)} departments scored')"
    check_dashboard "$token"
    check_open311
}

# The web channel through the stack: an Open311 client registered with the stack's whistlectl, a
# request POSTed to evaluator's published port (evaluator publishes it to the stack's broker as
# the gateway, intake stores and places it), then the public GeoReport view of its ticket.
check_open311() {
    local key answer no="" token_id=""
    key="$(check_ctl open311 clients add "check-portal-$RANDOM" --name compose-check | tail -n 1 | tr -d '\r')"
    [[ "$key" == w311_* ]] || { check_say "whistlectl open311 clients add printed no key"; return 1; }
    answer="$(curl -sS --max-time 15 "http://127.0.0.1:$CHECK_API_PORT/open311/v2/requests.json" \
        --data-urlencode "api_key=$key" --data-urlencode "service_code=SZSS-DLPS" \
        --data-urlencode "address_string=云城市西山区青石街道石桥路12号门口" \
        --data-urlencode "description=石桥路12号门口人行道地砖塌陷（compose-check）")"
    check_say "POST /open311/v2/requests.json: $answer"
    no="$(python3 -c 'import json, sys; print(json.load(sys.stdin)[0].get("service_request_id", ""))' <<<"$answer")"
    token_id="$(python3 -c 'import json, sys; print(json.load(sys.stdin)[0].get("token", ""))' <<<"$answer")"
    # Still queued: the token tells the ticket once intake has stored the demand.
    for _ in $(seq 1 40); do
        [[ -n "$no" || -z "$token_id" ]] && break
        sleep 0.5
        no="$(check_api "/open311/v2/tokens/$token_id.json" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)[0].get("service_request_id", ""))')"
    done
    [[ -n "$no" ]] || { check_say "the Open311 request got no service_request_id"; return 1; }
    check_api "/open311/v2/requests/$no.json" | python3 -c "
import json, sys
r = json.load(sys.stdin)[0]
print(f'GET /open311/v2/requests/$no.json: {r[\"status\"]}, {r[\"service_code\"]}, {r.get(\"agency_responsible\")}')"
    check_say "the Open311 request's ticket: $(check_psql -c "SELECT area_code || ' ' || coalesce(lead_department, '-') FROM tickets WHERE ticket_no = '$no'")"
}

# The dashboard through its login: POST /login sets the session cookie, / answers with the page.
check_dashboard() {
    local jar status
    jar="$(mktemp)"
    status="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" --data-urlencode "token=$1" \
        "http://127.0.0.1:$CHECK_API_PORT/login")"
    [[ "$status" == 303 || "$status" == 302 ]] || { rm -f "$jar"; check_say "POST /login answered $status"; return 1; }
    status="$(curl -sS -o "$CHECK_DIR/dashboard.html" -w '%{http_code}' -b "$jar" "http://127.0.0.1:$CHECK_API_PORT/")"
    rm -f "$jar"
    [[ "$status" == 200 ]] || { check_say "GET / with the session answered $status"; return 1; }
    check_say "dashboard: $(wc -c <"$CHECK_DIR/dashboard.html") bytes after login, http://127.0.0.1:$CHECK_API_PORT/"
}
