#!/usr/bin/env bash
# roles.sh — the PostgreSQL login roles of the four services (least privilege). Creates each role
# if it is missing and (re)sets its password; the grants themselves are given by the schema owner
# (`whistlectl migrate`, or a service that owns the schema) after every migration pass.
#
#   source deploy/postgres/roles.sh; whistle_pg_roles PSQL_COMMAND...
#       runs the statements through PSQL_COMMAND (a psql connected as a role with CREATEROLE).
#   In the postgres Docker image, mounted into /docker-entrypoint-initdb.d/, it runs by itself
#   on the first start of an empty data volume.
#
# Passwords: WHISTLE_DB_PASSWORD_INTAKE, _DISPATCHER, _NOTIFIER, _EVALUATOR; each defaults to
# the role name (development only: set them in production, URL-safe characters only).

WHISTLE_PG_SERVICES=(intake dispatcher notifier evaluator)

whistle_pg_roles() {
    local args=() service var
    for service in "${WHISTLE_PG_SERVICES[@]}"; do
        var="WHISTLE_DB_PASSWORD_${service^^}"
        args+=(-v "${service}_password=${!var:-whistle_${service}}")
    done
    "$@" "${args[@]}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['whistle_intake', 'whistle_dispatcher', 'whistle_notifier',
    'whistle_evaluator']) AS r WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE whistle_intake LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'intake_password';
ALTER ROLE whistle_dispatcher LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'dispatcher_password';
ALTER ROLE whistle_notifier LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'notifier_password';
ALTER ROLE whistle_evaluator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'evaluator_password';
SQL
}

# Sourced by the postgres image's entrypoint (docker_process_sql is its psql on the new cluster).
if declare -F docker_process_sql >/dev/null; then
    whistle_pg_roles docker_process_sql
fi
