#!/usr/bin/env bash
# boot-definitions.sh — the broker's boot definitions (the admin and the four service users) from
# the template deploy/rabbitmq/boot-definitions.json and the passwords in the environment.
#
#   deploy/rabbitmq/boot-definitions.sh [TEMPLATE] >definitions.json
#
# The template is `whistlectl broker-definitions boot-template` (a unit test keeps the file equal
# to it): each user's password_hash is the placeholder @VARIABLE@ of its password variable, which
# this replaces by a hash of that variable's value (hash-password.sh). It is what the broker
# image's entrypoint runs, where whistlectl is not installed. A variable that is not set stops it,
# naming every one, before anything is printed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="${1:-$here/boot-definitions.json}"
[[ -r "$template" ]] || { echo "boot-definitions: cannot read $template" >&2; exit 1; }

definitions="$(cat "$template")"
missing=()
while read -r variable; do
    [[ -n "${!variable:-}" ]] || missing+=("$variable")
done < <(grep -oE '@WHISTLE_AMQP_PASSWORD_[A-Z0-9_]+@' "$template" | tr -d @ | sort -u)
if ((${#missing[@]})); then
    printf 'boot-definitions: no password in the environment for: %s\n' "${missing[*]}" >&2
    exit 1
fi
while read -r variable; do
    definitions="${definitions//@$variable@/$("$here/hash-password.sh" "${!variable}")}"
done < <(grep -oE '@WHISTLE_AMQP_PASSWORD_[A-Z0-9_]+@' "$template" | tr -d @ | sort -u)
printf '%s\n' "$definitions"
