#!/usr/bin/env bash
# The database container's start. An empty data folder becomes either a new primary (initdb, the
# owner `whistle` with WHISTLE_DB_PASSWORD_OWNER, the service roles, the database `whistle`, and the
# role `replicator` when WHISTLE_DB_PASSWORD_REPLICATION is set) or, with WHISTLE_PG_PRIMARY_HOST, a
# streaming standby cloned from that primary (pg_basebackup). Then postgres runs in the foreground.
# Sockets go to /tmp, so the root filesystem may be read-only.
set -euo pipefail

say() { printf '[whistle-postgres] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 78; }

: "${PGDATA:=/var/lib/postgresql/data}"
settings=(
    -c listen_addresses='*' -c unix_socket_directories=/tmp -c max_connections="${WHISTLE_PG_MAX_CONNECTIONS:-200}"
    -c password_encryption=scram-sha-256 -c wal_level=replica -c max_wal_senders=10
    -c max_replication_slots=10 -c wal_keep_size=512MB -c hot_standby=on
)

init_primary() {
    [[ -n "${WHISTLE_DB_PASSWORD_OWNER:-}" ]] || die "WHISTLE_DB_PASSWORD_OWNER is not set"
    say "initialising a new primary in $PGDATA"
    local pwfile=/tmp/whistle-owner-password
    (umask 077 && printf '%s\n' "$WHISTLE_DB_PASSWORD_OWNER" >"$pwfile")
    initdb -D "$PGDATA" --username=whistle --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    {
        printf 'host all all all scram-sha-256\n'
        printf 'host replication replicator all scram-sha-256\n'
    } >>"$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
    local psql=(psql -v ON_ERROR_STOP=1 -q -h /tmp -U whistle)
    "${psql[@]}" -d postgres -c 'CREATE DATABASE whistle'
    # shellcheck source=deploy/postgres/roles.sh
    source /etc/whistle/roles.sh
    whistle_pg_roles "${psql[@]}" -d whistle
    if [[ -n "${WHISTLE_DB_PASSWORD_REPLICATION:-}" ]]; then
        "${psql[@]}" -d postgres -v password="$WHISTLE_DB_PASSWORD_REPLICATION" <<'SQL'
CREATE ROLE replicator REPLICATION LOGIN PASSWORD :'password';
SQL
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
}

init_standby() {
    [[ -n "${WHISTLE_DB_PASSWORD_REPLICATION:-}" ]] || die "WHISTLE_DB_PASSWORD_REPLICATION is not set (a standby needs it)"
    local primary="$WHISTLE_PG_PRIMARY_HOST" t0=$SECONDS
    say "cloning a standby from $primary"
    export PGPASSWORD="$WHISTLE_DB_PASSWORD_REPLICATION"
    until pg_isready -q -h "$primary" -U replicator; do
        ((SECONDS - t0 < 120)) || die "the primary $primary did not answer within 120 s"
        sleep 1
    done
    pg_basebackup -h "$primary" -U replicator -D "$PGDATA" -R -X stream -c fast
    unset PGPASSWORD
    chmod 700 "$PGDATA"
}

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    if [[ -n "${WHISTLE_PG_PRIMARY_HOST:-}" ]]; then init_standby; else init_primary; fi
fi
unset WHISTLE_DB_PASSWORD_OWNER WHISTLE_DB_PASSWORD_REPLICATION WHISTLE_DB_PASSWORD_INTAKE \
    WHISTLE_DB_PASSWORD_DISPATCHER WHISTLE_DB_PASSWORD_NOTIFIER WHISTLE_DB_PASSWORD_EVALUATOR
exec postgres -D "$PGDATA" "${settings[@]}"
