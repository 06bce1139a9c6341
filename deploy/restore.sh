#!/usr/bin/env bash
# restore.sh — a backup of deploy/backup.sh into a compose deployment with empty volumes (a new
# host, or after `docker-compose down -v`), with the same env file and accounts file as the
# backed-up one (the services' and the broker users' passwords):
#
#   1. starts postgres and rabbitmq only, and waits until both are healthy;
#   2. refuses a database that already holds tables (nothing is overwritten);
#   3. pg_restore of database.dump as the schema owner, in one transaction;
#   4. the broker definitions POSTed to the management API (users, permissions, queues, ...);
#   5. whistlectl migrate (the migrate service): the service roles' grants again, and any
#      migration the image has that the backup has not;
#   6. docker-compose up -d: the services start on the restored data.
#
#   deploy/restore.sh [-p PROJECT] [--env-file FILE] [-f COMPOSE_FILE]... FOLDER
#
# The options are docker-compose's (deploy/compose-target.sh). Messages that were waiting in
# queues at the time of the backup are not in it (docs/operations.md, "Backup and restore").
set -euo pipefail

# shellcheck source=deploy/compose-target.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compose-target.sh"

say() { printf '[restore] %s\n' "$*" >&2; }
die() { printf '[restore] error: %s\n' "$*" >&2; exit 1; }

target_parse "$@"
[[ ${#TARGET_ARGS[@]} -eq 1 && "${TARGET_ARGS[0]}" != -* ]] \
    || die "usage: deploy/restore.sh [-p PROJECT] [--env-file FILE] [-f COMPOSE_FILE]... FOLDER"
folder="${TARGET_ARGS[0]}"
for file in database.dump broker-definitions.json manifest.txt; do
    [[ -s "$folder/$file" ]] || die "$folder has no $file: not a backup of deploy/backup.sh"
done
(cd "$folder" && sed -n 's/^  \([0-9a-f]\{64\}\)  /\1  /p' manifest.txt | sha256sum --quiet -c -) \
    || die "$folder: a file does not match its sha256 in manifest.txt"
t0=$SECONDS

say "starting postgres and rabbitmq"
dc up -d postgres rabbitmq
target_wait_healthy postgres rabbitmq || die "postgres and rabbitmq did not become healthy"

tables="$(target_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
[[ "$tables" == 0 ]] || die "the database already holds $tables tables: restore into empty volumes only (a new project, or docker-compose down -v first)"

say "database: pg_restore ($(du -h "$folder/database.dump" | cut -f1))"
dc exec -T postgres pg_restore -h /tmp -U whistle -d whistle --exit-on-error --single-transaction \
    <"$folder/database.dump" || die "pg_restore failed; the database is left empty (one transaction)"

say "broker: POST /api/definitions"
dc run --rm --no-deps -T --entrypoint /app/deploy/seed.sh whistlectl --import-definitions \
    <"$folder/broker-definitions.json" || die "the broker refused the definitions"

say "whistlectl migrate: the service roles' grants"
dc run --rm -T migrate || die "whistlectl migrate failed"

say "starting the services"
dc up -d
say "done in $((SECONDS - t0)) s: migration $(target_psql 'SELECT max(version) FROM schema_migrations'), $(target_psql 'SELECT count(*) FROM tickets') tickets (the backup: $(sed -n 's/^tickets: //p' "$folder/manifest.txt"))"
