#!/usr/bin/env bash
# seed.sh — the operator's district in the check's stack (sourced by deploy/compose-check.sh after
# lib.sh; never run). Each function is a step (check_step NAME FUNCTION):
#
#   check_seed          the sample seed: the adapters' and departments' passwords (secrets.sh
#                       --accounts into the accounts file beside $CHECK_ENV), then
#                       `docker-compose run --rm seed`
#   check_seed_update   a changed seed loaded into the running stack, nothing restarted: a new
#                       department XS-LDGL, the category SZSS-LDGZ renamed, a new routing rule
#                       sending SZSS-LDGZ in street S-FL to XS-LDGL (first: without the new
#                       password the seed refuses, naming it); then GET /v1/categories shows the
#                       new name, and a streetlight demand in S-FL published through the broker
#                       reaches dept.XS-LDGL, which the new department's own broker user consumes.

CHECK_NEW_DEPARTMENT=XS-LDGL
CHECK_RENAMED_CATEGORY=SZSS-LDGZ
CHECK_NEW_CATEGORY_NAME=路灯照明故障

# check_accounts_file: the accounts file named in $CHECK_ENV (deploy/secrets.sh --accounts sets it).
check_accounts_file() {
    grep -E '^WHISTLE_BROKER_ACCOUNTS=.' "$CHECK_ENV" | tail -n 1 | cut -d= -f2-
}

# check_broker_url USER: the AMQP URL on the stack's network of USER (an adapter or department),
# with its password from the accounts file.
check_broker_url() {
    local variable password
    variable="$("$REPO_ROOT/deploy/whistlectl.sh" broker-definitions variable --user "$1")" || return 1
    password="$(grep -E "^${variable}=" "$(check_accounts_file)" | tail -n 1 | cut -d= -f2-)"
    [[ -n "$password" ]] || { check_say "no $variable in the accounts file"; return 1; }
    printf 'amqp://%s:%s@rabbitmq:5672/%%2F' "$1" "$password"
}

check_seed() {
    "$REPO_ROOT/deploy/secrets.sh" --env-file "$CHECK_ENV" --accounts "$REPO_ROOT/deploy/seed" || return 1
    check_compose run --rm -T seed
}

check_seed_update() {
    local folder ticket listened rc=0
    folder="$(mktemp -d)"
    cp "$REPO_ROOT"/deploy/seed/*.yaml "$folder/"
    chmod 755 "$folder" && chmod 644 "$folder"/*.yaml   # read by the container's user (uid 10001)
    # The changes an operator makes: a department, a category's new name, a rule.
    printf '  - {code: %s, name: 西山区路灯管理所, level: district, kind: bureau, parent: XS-ZHZX, area: D-XS}\n' \
        "$CHECK_NEW_DEPARTMENT" >>"$folder/departments.yaml"
    sed -i -E "s/(\{code: $CHECK_RENAMED_CATEGORY, name: )[^,]+,/\1$CHECK_NEW_CATEGORY_NAME,/" "$folder/categories.yaml"
    grep -q "name: $CHECK_NEW_CATEGORY_NAME," "$folder/categories.yaml" || { check_say "the category was not renamed"; return 1; }
    printf '  - {category: %s, area: S-FL, lead: %s, co: []}\n' "$CHECK_RENAMED_CATEGORY" "$CHECK_NEW_DEPARTMENT" >>"$folder/routing.yaml"

    # Without the new department's password the seed stops and changes nothing (unless a former
    # run on this stack added the password already).
    if grep -q '^WHISTLE_AMQP_PASSWORD_DEPT_XS_LDGL=' "$(check_accounts_file)"; then
        check_say "the accounts file has dept-$CHECK_NEW_DEPARTMENT's password already (a second run): no refusal to show"
    elif WHISTLE_SEED_DIR="$folder" check_compose run --rm -T seed >"$folder/refused.log" 2>&1; then
        check_say "the seed ran without the new department's password"
        rc=1
    elif ! grep -q "dept-$CHECK_NEW_DEPARTMENT (WHISTLE_AMQP_PASSWORD_DEPT_XS_LDGL)" "$folder/refused.log"; then
        check_say "the refusal does not name the missing password:"
        cat "$folder/refused.log" >&2
        rc=1
    else
        check_say "without its password the seed stopped, naming it: $(grep -c . "$folder/refused.log") lines"
    fi
    ((rc == 0)) || { rm -rf -- "$folder"; return "$rc"; }

    "$REPO_ROOT/deploy/secrets.sh" --env-file "$CHECK_ENV" --accounts "$folder" || rc=1
    ((rc == 0)) && { WHISTLE_SEED_DIR="$folder" check_compose run --rm -T seed || rc=1; }
    rm -rf -- "$folder"
    ((rc == 0)) || return 1

    # The read API reads the database: the new name is there at once.
    check_api /v1/categories | grep -qF "\"code\": \"$CHECK_RENAMED_CATEGORY\", \"name\": \"$CHECK_NEW_CATEGORY_NAME\"" \
        || check_api /v1/categories | grep -qF "\"code\":\"$CHECK_RENAMED_CATEGORY\",\"name\":\"$CHECK_NEW_CATEGORY_NAME\"" \
        || { check_say "GET /v1/categories does not show $CHECK_RENAMED_CATEGORY as $CHECK_NEW_CATEGORY_NAME"; return 1; }
    check_say "GET /v1/categories: $CHECK_RENAMED_CATEGORY is now $CHECK_NEW_CATEGORY_NAME"

    # The dispatcher re-reads departments and rules every 15 s (ReferenceCache): a demand
    # published sooner could still be routed by the old rules. A wait, not a measurement.
    sleep 16
    local department
    department="$(check_broker_url "dept-$CHECK_NEW_DEPARTMENT")" || return 1
    local demand
    demand="$(printf '{"external_id": "12345-check-%s", "submitted_at": "%s", "title": "东坡路路灯不亮", "content": "东坡社区东坡路北段的路灯已经连续一周晚上不亮，一片漆黑，行人和电动车经过很危险，请尽快维修。", "category": "%s", "location": {"address": "云城市西山区枫林街道东坡路北段", "lat": 25.00166, "lon": 102.70642, "grid": "G-FL-DP-03"}, "reporter": {"anonymous": true}}' \
        "$(date +%s%N)" "$(date +%Y-%m-%dT%H:%M:%S%:z)" "$CHECK_RENAMED_CATEGORY")"
    # As the operator: `whistlectl publish` declares the exchange, which an adapter may not.
    ticket="$(check_ctl publish --channel 12345 --json "$demand" --wait 60)" || { printf '%s\n' "$ticket" >&2; return 1; }
    printf '%s\n' "$ticket" >&2
    ticket="$(sed -n 's/.*: accepted, ticket \([^ ,]*\).*/\1/p' <<<"$ticket")"
    [[ -n "$ticket" ]] || { check_say "the demand opened no ticket"; return 1; }
    # The new department's own user reads its queue (it may read nothing else).
    listened="$(check_compose run --rm --no-deps -T -e WHISTLE_AMQP_URL="$department" whistlectl \
        dept listen "$CHECK_NEW_DEPARTMENT" --count 1 --timeout 90 --json)" || { printf '%s\n' "$listened" >&2; return 1; }
    if ! grep -qE "\"ticket_no\": *\"$ticket\"" <<<"$listened" \
        || ! grep -qE "\"lead_department\": *\"$CHECK_NEW_DEPARTMENT\"" <<<"$listened"; then
        check_say "dept.$CHECK_NEW_DEPARTMENT got something else: $listened"
        return 1
    fi
    check_say "dept-$CHECK_NEW_DEPARTMENT consumed the assignment of ticket $ticket (lead $CHECK_NEW_DEPARTMENT) from dept.$CHECK_NEW_DEPARTMENT"
}
