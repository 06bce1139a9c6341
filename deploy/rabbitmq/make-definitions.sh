#!/usr/bin/env bash
# make-definitions.sh — the broker's users and permissions as RabbitMQ definitions, from the model
# in definitions.sh and the departments of a seed: the services, the operator, the four channel
# adapters and one user per department, each with its topic permissions.
#
#   deploy/rabbitmq/make-definitions.sh [SEED_DEPARTMENTS_YAML]
#       the development file deploy/rabbitmq/definitions.json (every password is the user's name;
#       the local servers and the tests). Run it after adding a department to the sample seed,
#       then deploy/check-definitions.sh.
#
#   deploy/rabbitmq/make-definitions.sh --site --out FILE --passwords PASSWORDS [SEED_DEPARTMENTS_YAML]
#       a site's file (mode 600) for docker-compose.yml's WHISTLE_RABBITMQ_DEFINITIONS: each user's
#       password is its WHISTLE_AMQP_PASSWORD_<USER> variable when set (deploy/secrets.sh writes the
#       services' and the operator's), else the one kept in PASSWORDS, else a new random one that is
#       added to PASSWORDS (mode 600). Keep PASSWORDS with the site's secrets: it is where an adapter
#       or a department learns its password. Running it again with a new department adds only that
#       user's password; the others stay.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/rabbitmq/definitions.sh
source "$here/definitions.sh"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

site=false out="" passwords="" seed="$here/../seed/departments.yaml"
while (($#)); do
    case "$1" in
        --site) site=true ;;
        --out) out="${2:?--out needs a file}"; shift ;;
        --passwords) passwords="${2:?--passwords needs a file}"; shift ;;
        -h | --help) usage ;;
        -*) echo "make-definitions: unknown option $1" >&2; usage ;;
        *) seed="$1" ;;
    esac
    shift
done
[[ -d "$seed" ]] && seed="$seed/departments.yaml"
[[ -f "$seed" ]] || { echo "make-definitions: no departments file $seed" >&2; exit 2; }

if ! $site; then
    whistle_definitions hashed "$seed" >"$here/definitions.json"
    echo "wrote $here/definitions.json (development passwords)"
    exit 0
fi
[[ -n "$out" && -n "$passwords" ]] || { echo "make-definitions: --site needs --out FILE and --passwords FILE" >&2; exit 2; }
export WHISTLE_BROKER_PASSWORDS="$passwords"
(umask 077 && touch "$passwords")
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
whistle_definitions site "$seed" >"$tmp"
# Every user must have come out with a hash: a failed password lookup leaves an empty entry.
if grep -q '^ *$' "$tmp" || grep -q '"password_hash": ""' "$tmp"; then
    echo "make-definitions: a user has no password; nothing written" >&2
    exit 1
fi
(umask 077 && cp "$tmp" "$out")
chmod 600 "$out" "$passwords"
users="$(grep -c '"password_hash"' "$out")"
echo "wrote $out: $users users with this site's passwords (kept in $passwords)"
