#!/usr/bin/env bash
# backup.sh — a backup of a running compose deployment into a folder of its own (mode 700):
#
#   database.dump             pg_dump -Fc of the database `whistle`, as its owner, taken inside the
#                             postgres container (the server's own pg_dump version)
#   broker-definitions.json   the broker's definitions (GET /api/definitions as whistle-admin):
#                             users with their password hashes, permissions, topic permissions,
#                             queues, exchanges, bindings, policies; no messages
#   manifest.txt              when, the compose project, each container's image (tag and id), the
#                             schema's migration version, the number of tickets, the files' sha256
#
#   deploy/backup.sh [-p PROJECT] [--env-file FILE] [-f COMPOSE_FILE]... FOLDER
#
# The options are docker-compose's (deploy/compose-target.sh); FOLDER must not hold a backup yet.
# The files hold password hashes and personal data: keep them as private as the database. The
# passwords themselves (.env, the accounts file) are not in the backup: keep those with it.
# Restore: deploy/restore.sh (docs/operations.md, "Backup and restore").
set -euo pipefail

# shellcheck source=deploy/compose-target.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compose-target.sh"

say() { printf '[backup] %s\n' "$*" >&2; }
die() { printf '[backup] error: %s\n' "$*" >&2; exit 1; }

target_parse "$@"
[[ ${#TARGET_ARGS[@]} -eq 1 && "${TARGET_ARGS[0]}" != -* ]] \
    || die "usage: deploy/backup.sh [-p PROJECT] [--env-file FILE] [-f COMPOSE_FILE]... FOLDER"
folder="${TARGET_ARGS[0]}"
[[ -e "$folder/manifest.txt" || -e "$folder/database.dump" ]] && die "$folder already holds a backup: give a new folder"
(umask 077 && mkdir -p "$folder")
chmod 700 "$folder"
umask 077
t0=$SECONDS

[[ -n "$(dc ps -q postgres)" && -n "$(dc ps -q rabbitmq)" ]] || die "postgres and rabbitmq of this deployment are not running"

say "database: pg_dump -Fc"
dc exec -T postgres pg_dump -h /tmp -U whistle -d whistle -Fc >"$folder/database.dump.part" \
    || die "pg_dump failed"
# The archive must read back: its table of contents, by the server's pg_restore.
contents="$(dc exec -T postgres pg_restore --list <"$folder/database.dump.part")" \
    || die "the dump does not read back (pg_restore --list)"
entries="$(grep -cv '^;' <<<"$contents")" || true
mv "$folder/database.dump.part" "$folder/database.dump"

say "broker: GET /api/definitions"
dc run --rm --no-deps -T --entrypoint /app/deploy/seed.sh whistlectl --export-definitions \
    >"$folder/broker-definitions.json.part" || die "exporting the broker's definitions failed"
grep -q '"users"' "$folder/broker-definitions.json.part" || die "the broker's answer holds no users"
mv "$folder/broker-definitions.json.part" "$folder/broker-definitions.json"

say "manifest"
version="$(target_psql 'SELECT max(version) FROM schema_migrations')"
tickets="$(target_psql 'SELECT count(*) FROM tickets')"
{
    printf 'whistle backup\n'
    printf 'time: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'project: %s\n' "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$(dc ps -q postgres)")"
    printf 'migration_version: %s\n' "$version"
    printf 'tickets: %s\n' "$tickets"
    printf 'database_entries: %s\n' "$entries"
    printf 'broker_users: %s\n' "$(grep -o '"password_hash"' "$folder/broker-definitions.json" | wc -l)"
    printf 'images:\n'
    for id in $(dc ps -q); do
        docker inspect -f '  {{index .Config.Labels "com.docker.compose.service"}}: {{.Config.Image}} {{.Image}}' "$id"
    done
    printf 'sha256:\n'
    (cd "$folder" && sha256sum database.dump broker-definitions.json | sed 's/^/  /')
} >"$folder/manifest.txt"
chmod 600 "$folder"/*
say "done in $((SECONDS - t0)) s: $folder (migration $version, $tickets tickets, $(du -sh "$folder" | cut -f1))"
