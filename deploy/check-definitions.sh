#!/usr/bin/env bash
# check-definitions.sh — proves that the definitions of `whistlectl broker-definitions`, loaded at
# boot with deploy/rabbitmq/rabbitmq.conf (as the broker image does), give a broker the intended
# users and nothing else; and that a site's users (boot: the admin and the services, as the broker
# image makes them from deploy/rabbitmq/boot-definitions.json; accounts: the adapters and
# departments, loaded later as the seed does) get the site's passwords.
#
# Boots a throw-away local RabbitMQ (servers.sh profile `scratch`: AMQP 5783, dist 25783,
# epmd 4383) with that rabbitmq.conf and the hashed development definitions of the sample seed,
# then checks: exactly the users of the file (no guest), that they authenticate with their
# development passwords and not with a wrong one, the admin tag, every permission on vhost "/" and
# the topic permissions. It stops the node and deletes .local/scratch whatever happens. Run it
# after changing either file.
set -euo pipefail

# shellcheck source=deploy/servers.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/servers.sh"

CONF="$REPO_ROOT/deploy/rabbitmq/rabbitmq.conf"
CTL="$REPO_ROOT/deploy/whistlectl.sh"
failures=0

# entries FILE users|permissions|topics: a definitions file's users (name), permissions (user,
# configure, write, read) or topic permissions (user, exchange, write, read), one a line, tab-separated.
entries() {
    python3 - "$1" "$2" <<'PY'
import json, sys
definitions = json.load(open(sys.argv[1]))
fields = {"users": ("users", ["name"]), "permissions": ("permissions", ["user", "configure", "write", "read"]),
          "topics": ("topic_permissions", ["user", "exchange", "write", "read"])}[sys.argv[2]]
for entry in definitions[fields[0]]:
    print("\t".join(entry[field] for field in fields[1]))
PY
}

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
mkdir -p "$STATE_DIR"
DEFS="$STATE_DIR/definitions.json"
"$CTL" broker-definitions hashed --seed "$REPO_ROOT/deploy/seed" >"$DEFS"

# The compose file's configuration, with the definitions path pointing at the repository's file.
RABBITMQ_EXTRA_CONF="$(sed "s|^load_definitions *=.*|load_definitions = $DEFS|" "$CONF")"
grep -q "^load_definitions = $DEFS\$" <<<"$RABBITMQ_EXTRA_CONF" \
    || die "$CONF has no load_definitions line"
export RABBITMQ_EXTRA_CONF

rabbitmq_start

echo "checking $DEFS"
mapfile -t users < <(entries "$DEFS" users)
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
wanted="$(entries "$DEFS" permissions | sort)"
check "permissions on vhost / are exactly those of the file ($(wc -l <<<"$wanted") users)" test "$wanted" == "$permissions"
topic_count="$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers | wc -l)"
check "topic permissions: one per service, adapter and department, and per street office's and command center's whistles ($topic_count)" \
    test "$topic_count" -eq "$(entries "$DEFS" topics | wc -l)"
check "adapter-12345 may write only demand.12345 and feedback on whistle.intake" \
    grep -qE '^adapter-12345[[:space:]]+whistle\.intake[[:space:]]+\^\(demand\\\.12345\|feedback\)\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "whistle-evaluator may write only hotspot.detected on whistle.events" \
    grep -qE '^whistle-evaluator[[:space:]]+whistle\.events[[:space:]]+\^\(hotspot\\\.detected\)\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "street office dept-FL-JDB may write whistle, evaluation, feedback and points on whistle.intake" \
    grep -qE '^dept-FL-JDB[[:space:]]+whistle\.intake[[:space:]]+\^\(whistle\|evaluation\|feedback\|points\)\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "command center dept-XS-ZHZX may write whistle, evaluation and feedback on whistle.intake" \
    grep -qE '^dept-XS-ZHZX[[:space:]]+whistle\.intake[[:space:]]+\^\(whistle\|evaluation\|feedback\)\$' \
    <<<"$(rmq rabbitmqctl -q list_topic_permissions -p / --no-table-headers)"
check "max_message_size is 1 MiB" \
    grep -qx '{ok,1048576}' <<<"$(rmq rabbitmqctl -q eval 'application:get_env(rabbit, max_message_size).')"

# A site: the boot definitions (the admin and the services, passwords from the environment, made
# as the broker image makes them), then the accounts (adapters and departments, passwords from the
# accounts file), as deploy/seed.sh loads them. No user keeps its development password.
site="$STATE_DIR/site"
mkdir -p "$site"
echo "checking a site's users (boot, then accounts)"
export WHISTLE_AMQP_PASSWORD_ADMIN="admin-$RANDOM$RANDOM" WHISTLE_AMQP_PASSWORD_INTAKE="intake-$RANDOM$RANDOM" \
    WHISTLE_AMQP_PASSWORD_DISPATCHER="dispatcher-$RANDOM$RANDOM" WHISTLE_AMQP_PASSWORD_NOTIFIER="notifier-$RANDOM$RANDOM" \
    WHISTLE_AMQP_PASSWORD_EVALUATOR="evaluator-$RANDOM$RANDOM"
"$REPO_ROOT/deploy/rabbitmq/boot-definitions.sh" >"$site/boot.json"
check "boot holds exactly the admin and the four services" \
    test "$(entries "$site/boot.json" users | sort | paste -sd ' ')" \
    == "whistle-admin whistle-dispatcher whistle-evaluator whistle-intake whistle-notifier"
# without_hashes FILE: the file with every password hash blanked (each has a random salt).
without_hashes() { sed -E 's/"password_hash" : "[^"]*"/"password_hash" : ""/' "$1"; }
"$CTL" broker-definitions boot >"$site/boot-whistlectl.json"
check "the image's boot definitions are whistlectl's (boot-definitions.json is up to date)" \
    test "$(without_hashes "$site/boot.json")" == "$(without_hashes "$site/boot-whistlectl.json")"
check "boot with a service's password missing stops, naming its variable" \
    grep -q 'WHISTLE_AMQP_PASSWORD_NOTIFIER' <<<"$(WHISTLE_AMQP_PASSWORD_NOTIFIER='' "$REPO_ROOT/deploy/rabbitmq/boot-definitions.sh" 2>&1 >/dev/null)"
env_file="$site/whistle.env"
"$REPO_ROOT/deploy/secrets.sh" "$env_file" 2>/dev/null
seed="$site/seed"
mkdir -p "$seed"
grep -v 'code: XS-CGJ' "$REPO_ROOT/deploy/seed/departments.yaml" >"$seed/departments.yaml"
"$REPO_ROOT/deploy/secrets.sh" --env-file "$env_file" --accounts "$seed" 2>/dev/null
accounts="$site/broker-accounts.env"
cp "$REPO_ROOT/deploy/seed/departments.yaml" "$seed/departments.yaml"
check "accounts with a department's password missing stops, naming its variable and secrets.sh --accounts" \
    grep -q 'dept-XS-CGJ (WHISTLE_AMQP_PASSWORD_DEPT_XS_CGJ)' <<<"$(WHISTLE_BROKER_ACCOUNTS="$accounts" "$CTL" broker-definitions accounts --seed "$seed" 2>&1 >/dev/null)"
check "... and prints nothing" \
    test -z "$(WHISTLE_BROKER_ACCOUNTS="$accounts" "$CTL" broker-definitions accounts --seed "$seed" 2>/dev/null)"
"$REPO_ROOT/deploy/secrets.sh" --env-file "$env_file" --accounts "$seed" 2>/dev/null
WHISTLE_BROKER_ACCOUNTS="$accounts" "$CTL" broker-definitions accounts --seed "$seed" >"$site/accounts.json"
check "accounts holds the adapters and departments, no service" \
    test "$(grep -c '"password_hash"' "$site/accounts.json")" -eq "$((${#users[@]} - 5))"
check "the accounts file is readable by its owner only" test "$(stat -c %a "$accounts")" == 600
rmq rabbitmqctl -q import_definitions "$site/boot.json" >/dev/null
rmq rabbitmqctl -q import_definitions "$site/accounts.json" >/dev/null
department_password="$(grep '^WHISTLE_AMQP_PASSWORD_DEPT_XS_CGJ=' "$accounts" | cut -d= -f2-)"
check "dept-XS-CGJ authenticates with its password from the accounts file" \
    rmq rabbitmqctl -q authenticate_user dept-XS-CGJ "$department_password"
check "whistle-intake authenticates with its password from the environment" \
    rmq rabbitmqctl -q authenticate_user whistle-intake "$WHISTLE_AMQP_PASSWORD_INTAKE"
for user in whistle-intake whistle-admin adapter-12345 dept-XS-CGJ; do
    check "$user no longer authenticates with its development password" \
        fails rmq rabbitmqctl -q authenticate_user "$user" "$user"
done

if ((failures)); then
    echo "definitions check: $failures failed"
    exit 1
fi
echo "definitions check: all passed"
