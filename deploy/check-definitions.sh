#!/usr/bin/env bash
# check-definitions.sh — proves that deploy/rabbitmq/{rabbitmq.conf,definitions.json}, as
# docker-compose.yml mounts them, give a broker the intended users and nothing else.
#
# Boots a throw-away local RabbitMQ (servers.sh profile `scratch`: AMQP 5783, dist 25783,
# epmd 4383) with that rabbitmq.conf and definitions.json, then checks: exactly the five
# whistle-* users (no guest), each authenticates with its development password and not with a
# wrong one, the admin tag, and the permissions on vhost "/". It stops the node and deletes
# .local/scratch whatever happens. Run it after changing either file.
set -euo pipefail

# shellcheck source=deploy/servers.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/servers.sh"

CONF="$REPO_ROOT/deploy/rabbitmq/rabbitmq.conf"
DEFS="$REPO_ROOT/deploy/rabbitmq/definitions.json"
failures=0

check() {
    local what="$1"
    shift
    if "$@" >/dev/null 2>&1; then
        printf '  ok    %s\n' "$what"
    else
        printf '  FAIL  %s\n' "$what"
        failures=$((failures + 1))
    fi
}

# fails CMD...: succeeds when CMD fails.
fails() { ! "$@"; }

select_profile scratch
if rabbitmq_running; then
    die "a scratch node already runs ($STATE_DIR); stop it with: deploy/servers.sh reset scratch"
fi

cleanup() {
    local rc=$?
    rabbitmq_stop || true
    rm -rf -- "$STATE_DIR"
    exit "$rc"
}
trap cleanup EXIT

# A fresh node, so that "no default user when definitions load at boot" is what gets tested.
rm -rf -- "$STATE_DIR"

# The compose file's configuration, with the definitions path pointing at the repository's file.
RABBITMQ_EXTRA_CONF="$(sed "s|^load_definitions *=.*|load_definitions = $DEFS|" "$CONF")"
grep -q "^load_definitions = $DEFS\$" <<<"$RABBITMQ_EXTRA_CONF" \
    || die "$CONF has no load_definitions line"
export RABBITMQ_EXTRA_CONF

rabbitmq_start

echo "checking $DEFS"
expected="$(printf '%s\n' "${RABBITMQ_USERS[@]}" | sort)"
actual="$(rmq rabbitmqctl -q list_users --no-table-headers | awk '{print $1}' | sort)"
check "users are exactly: $(tr '\n' ' ' <<<"$expected")(no guest)" test "$expected" == "$actual"

for user in "${RABBITMQ_USERS[@]}"; do
    check "$user authenticates with its development password" \
        rmq rabbitmqctl -q authenticate_user "$user" "$user"
    check "$user is refused with a wrong password" \
        fails rmq rabbitmqctl -q authenticate_user "$user" "$user-wrong"
done

check "whistle-admin has tag administrator" \
    grep -qE '^whistle-admin[[:space:]]+\[administrator\]$' \
    <<<"$(rmq rabbitmqctl -q list_users --no-table-headers)"

permissions="$(rmq rabbitmqctl -q list_permissions -p / --no-table-headers)"
for user in "${RABBITMQ_USERS[@]}"; do
    check "$user has configure/write/read .* on vhost /" \
        grep -qxF "$(printf '%s\t.*\t.*\t.*' "$user")" <<<"$permissions"
done

if ((failures)); then
    echo "definitions check: $failures failed"
    exit 1
fi
echo "definitions check: all passed"
