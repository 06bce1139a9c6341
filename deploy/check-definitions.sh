#!/usr/bin/env bash
# check-definitions.sh — proves that deploy/rabbitmq/{rabbitmq.conf,definitions.json}, as
# docker-compose.yml mounts them, give a broker the intended users and nothing else.
#
# Boots a throw-away local RabbitMQ (servers.sh profile `scratch`: AMQP 5783, dist 25783,
# epmd 4383) with that rabbitmq.conf and definitions.json, then checks: exactly the users of the
# file (no guest), that they authenticate with their development passwords and not with a wrong
# one, the admin tag, every permission on vhost "/" and the topic permissions. It stops the node and deletes
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
mapfile -t users < <(grep -oE '"name": "[^"]+", "password' "$DEFS" | sed -E 's/"name": "([^"]+)".*/\1/')
expected="$(printf '%s\n' "${users[@]}" | sort)"
actual="$(rmq rabbitmqctl -q list_users --no-table-headers | awk '{print $1}' | sort)"
check "users are exactly the ${#users[@]} of the file (no guest)" test "$expected" == "$actual"
for user in "${RABBITMQ_USERS[@]}" adapter-12345 dept-XS-CGJ; do
    check "$user authenticates with its development password" \
        rmq rabbitmqctl -q authenticate_user "$user" "$user"
    check "$user is refused with a wrong password" \
        fails rmq rabbitmqctl -q authenticate_user "$user" "$user-wrong"
done
check "whistle-admin has tag administrator" \
    grep -qE '^whistle-admin[[:space:]]+\[administrator\]$' \
    <<<"$(rmq rabbitmqctl -q list_users --no-table-headers)"

# Every permission line of the file, as rabbitmqctl lists it (user, configure, write, read).
permissions="$(rmq rabbitmqctl -q list_permissions -p / --no-table-headers | sort)"
wanted="$(grep -E '"configure":' "$DEFS" \
    | sed -E 's/.*"user": "([^"]+)".*"configure": "([^"]*)".*"write": "([^"]*)".*"read": "([^"]*)".*/\1\t\2\t\3\t\4/' \
    | sed 's/\\\\/\\/g' | sort)"
check "permissions on vhost / are exactly those of the file ($(wc -l <<<"$wanted") users)" test "$wanted" == "$permissions"
topics="$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers | wc -l)"
check "topic permissions: one per service, adapter and department, and per street office's evaluations ($topics)" \
    test "$topics" -eq "$(grep -c '"exchange":' "$DEFS")"
check "adapter-12345 may write only demand.12345 and feedback on whistle.intake" \
    grep -qE '^adapter-12345[[:space:]]+whistle\.intake[[:space:]]+\^\(demand\\\.12345\|feedback\)\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "whistle-evaluator may write only hotspot.detected on whistle.events" \
    grep -qE '^whistle-evaluator[[:space:]]+whistle\.events[[:space:]]+\^\(hotspot\\\.detected\)\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "street office dept-FL-JDB may write evaluation on whistle.intake" \
    grep -qE '^dept-FL-JDB[[:space:]]+whistle\.intake[[:space:]]+\^evaluation\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "max_message_size is 1 MiB" \
    grep -qx '{ok,1048576}' <<<"$(rmq rabbitmqctl -q eval 'application:get_env(rabbit, max_message_size).')"

# A site's file (make-definitions.sh --site): the services' passwords from the environment, every
# other user's generated into the passwords file; none keeps its development password.
site="$STATE_DIR/site"
mkdir -p "$site"
WHISTLE_AMQP_PASSWORD_INTAKE="intake-$RANDOM$RANDOM" "$REPO_ROOT/deploy/rabbitmq/make-definitions.sh" \
    --site --out "$site/definitions.json" --passwords "$site/passwords.env" >/dev/null
echo "checking a site's file (make-definitions.sh --site)"
check "the site's file and its passwords are readable by root only" \
    test "$(stat -c %a "$site/definitions.json") $(stat -c %a "$site/passwords.env")" == "600 600"
check "the site's file has the same users as the development one" \
    test "$(grep -c '"password_hash"' "$site/definitions.json")" -eq "${#users[@]}"
check "a password from the environment is not written to the passwords file" \
    fails grep -q '^WHISTLE_AMQP_PASSWORD_INTAKE=' "$site/passwords.env"
rmq rabbitmqctl -q import_definitions "$site/definitions.json" >/dev/null
department_password="$(grep '^WHISTLE_AMQP_PASSWORD_DEPT_XS_CGJ=' "$site/passwords.env" | cut -d= -f2-)"
check "dept-XS-CGJ authenticates with its generated password" \
    rmq rabbitmqctl -q authenticate_user dept-XS-CGJ "$department_password"
for user in whistle-intake whistle-admin adapter-12345 dept-XS-CGJ; do
    check "$user no longer authenticates with its development password" \
        fails rmq rabbitmqctl -q authenticate_user "$user" "$user"
done

if ((failures)); then
    echo "definitions check: $failures failed"
    exit 1
fi
echo "definitions check: all passed"
