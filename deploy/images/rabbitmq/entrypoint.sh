#!/usr/bin/env bash
# The broker container's start: the Erlang cookie (cluster nodes share it: RABBITMQ_ERLANG_COOKIE),
# the boot definitions from the WHISTLE_AMQP_PASSWORD_* variables (deploy/rabbitmq/boot-definitions.sh),
# then rabbitmq-server.
# Every file it writes lives on the data volume or in /run/whistle (the root filesystem may be
# read-only).
set -euo pipefail

home=/var/lib/rabbitmq
mkdir -p "$home/log"
if [[ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]]; then
    # A new file renamed over the old one: the old one is read-only (mode 400) after a first start.
    (umask 077 && printf '%s' "$RABBITMQ_ERLANG_COOKIE" >"$home/.erlang.cookie.new")
    mv -f "$home/.erlang.cookie.new" "$home/.erlang.cookie"
elif [[ ! -s "$home/.erlang.cookie" ]]; then
    (umask 077 && od -An -v -tx1 -N20 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F' >"$home/.erlang.cookie")
fi
chmod 400 "$home/.erlang.cookie"
unset RABBITMQ_ERLANG_COOKIE

definitions=/run/whistle/definitions.json
# whistlectl's boot template with the passwords of the environment (hashed): a missing one stops
# the start with its variable's name.
/etc/whistle/boot-definitions.sh /etc/whistle/boot-definitions.json >"$definitions.new"
mv "$definitions.new" "$definitions"
for variable in $(compgen -v WHISTLE_AMQP_PASSWORD_); do unset "$variable"; done

# Cluster formation (docker-compose.ha.yml): WHISTLE_RABBITMQ_CLUSTER_NODES="rabbit@rabbitmq-1 ...".
config=/run/whistle/rabbitmq.conf
{
    grep -v "^load_definitions" /etc/rabbitmq/rabbitmq.conf
    printf 'load_definitions = %s\n' "$definitions"
    if [[ -n "${WHISTLE_RABBITMQ_CLUSTER_NODES:-}" ]]; then
        printf 'cluster_formation.peer_discovery_backend = classic_config\n'
        i=1
        for node in $WHISTLE_RABBITMQ_CLUSTER_NODES; do
            printf 'cluster_formation.classic_config.nodes.%d = %s\n' "$i" "$node"
            i=$((i + 1))
        done
    fi
} >"$config"
export RABBITMQ_CONFIG_FILES="$config"
# The upgrade log and a crash dump are files even with RABBITMQ_LOGS=-: not on the read-only root.
mkdir -p /run/whistle/log
export RABBITMQ_LOG_BASE=/run/whistle/log
exec /usr/lib/rabbitmq/bin/rabbitmq-server
