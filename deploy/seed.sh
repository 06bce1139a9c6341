#!/usr/bin/env bash
# seed.sh — the operator's district in a compose deployment; the entrypoint of the `seed` service
# (it runs inside the whistle image, from /app/deploy, with whistlectl on PATH).
#
#   docker-compose run --rm seed                  loads the seed folder mounted at /seed
#   /app/deploy/seed.sh [SEED_FOLDER]             the same, from another folder in the container
#   /app/deploy/seed.sh --export-definitions      the broker's definitions (GET /api/definitions)
#   /app/deploy/seed.sh --import-definitions      loads definitions from standard input (POST)
#
# The seed, in this order, so that a missing password changes nothing:
#   1. the adapters' and departments' broker users, permissions and topic permissions
#      (whistlectl broker-definitions accounts) with their passwords from the operator's accounts file,
#      which compose passes in as WHISTLE_AMQP_PASSWORD_* variables (deploy/secrets.sh --accounts);
#   2. whistlectl seed: the reference data in one transaction, then the queues dept.<code>;
#   3. the users POSTed to the management API (creates new ones, updates the others' passwords
#      and permissions; nothing restarts, connected clients stay connected);
#   4. every adapter's and department's user is checked to exist on the broker.
# Environment: WHISTLE_DATABASE_URL (the schema owner), WHISTLE_AMQP_URL (whistle-admin, whose
# name and password also log in to the management API), WHISTLE_MANAGEMENT_URL (default
# http://rabbitmq:15672), WHISTLE_BROKER_ACCOUNTS_FILE (the host's accounts file, for messages).
set -euo pipefail

say() { printf '[seed] %s\n' "$*" >&2; }
die() { printf '[seed] error: %s\n' "$*" >&2; exit 1; }

management="${WHISTLE_MANAGEMENT_URL:-http://rabbitmq:15672}"
management="${management%/}"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT

# The management API's login: the user and password of WHISTLE_AMQP_URL
# (amqp://USER:PASSWORD@host:port/vhost; the passwords of deploy/secrets.sh are URL-safe).
login() {
    local url="${WHISTLE_AMQP_URL:?WHISTLE_AMQP_URL is not set (the operator: whistle-admin)}" credentials
    credentials="${url#*://}"
    [[ "$credentials" == *@* ]] || die "WHISTLE_AMQP_URL has no user and password"
    credentials="${credentials%%@*}"
    [[ "$credentials" == *:* ]] || die "WHISTLE_AMQP_URL has no password"
    # As a curl configuration on a private file: the password never appears in a command line.
    (umask 077 && printf 'user = "%s"\n' "$credentials" >"$work/login")
}

# api METHOD PATH [BODY_FILE]: one management API request; prints the answer's body; fails (and
# says why) on a status other than 2xx.
api() {
    local method="$1" path="$2" body="${3:-}" status
    local args=(-sS -K "$work/login" -X "$method" -o "$work/answer" -w '%{http_code}' --max-time 60)
    [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$body")
    status="$(curl "${args[@]}" "$management$path")" || die "$method $management$path: no answer"
    if [[ "$status" != 2?? ]]; then
        printf '[seed] %s %s answered %s: %s\n' "$method" "$path" "$status" "$(head -c 500 "$work/answer")" >&2
        return 1
    fi
    cat "$work/answer"
}

seed() {
    local folder="${1:-/seed}" departments definitions users missing=()
    departments="$folder/departments.yaml"
    [[ -f "$departments" ]] || die "no departments.yaml in $folder (mount the seed folder: WHISTLE_SEED_DIR)"
    login

    # 1. Every password first: nothing is written while one is missing.
    definitions="$work/accounts.json"
    if ! whistlectl broker-definitions accounts --seed "$folder" >"$definitions"; then
        say "on the host: deploy/secrets.sh --accounts ${WHISTLE_SEED_DIR_HOST:-SEED_FOLDER}, then docker-compose run --rm seed"
        die "nothing was changed"
    fi

    # 2. The reference data and the department queues.
    say "whistlectl seed $folder"
    whistlectl seed "$folder" || die "whistlectl seed failed (see above); the broker users were not changed"

    # 3. The adapters' and departments' users.
    say "broker users of the adapters and departments: POST $management/api/definitions"
    api POST /api/definitions "$definitions" >/dev/null || die "the broker refused the users (the database part is committed; run the seed again)"

    # 4. Each of them exists now.
    users="$(api GET '/api/users?columns=name' | grep -oE '"name":"[^"]+"' | cut -d'"' -f4)" \
        || die "could not list the broker's users"
    local user count=0
    while read -r user; do
        count=$((count + 1))
        grep -qxF "$user" <<<"$users" || missing+=("$user")
    done < <(whistlectl broker-definitions users --seed "$folder" | cut -d' ' -f1)
    ((${#missing[@]} == 0)) || die "missing on the broker after the import: ${missing[*]}"
    say "done: $count adapter and department users on the broker, each with its password from the accounts file"
}

case "${1:-}" in
    --export-definitions)
        login
        api GET /api/definitions
        ;;
    --import-definitions)
        login
        cat >"$work/import.json"
        [[ -s "$work/import.json" ]] || die "--import-definitions: nothing on standard input"
        api POST /api/definitions "$work/import.json" >/dev/null
        say "definitions imported into $management"
        ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
        ;;
    -*) die "unknown option $1 (--help)" ;;
    *) seed "$@" ;;
esac
