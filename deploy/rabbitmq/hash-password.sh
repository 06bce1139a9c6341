#!/usr/bin/env bash
# hash-password.sh — prints a RabbitMQ password_hash for a definitions file.
#
# RabbitMQ's rabbit_password_hashing_sha256 stores base64(salt ++ sha256(salt ++ password)),
# with a random 4-byte salt and the password as UTF-8 bytes. Usage:
#   deploy/rabbitmq/hash-password.sh 'the password'
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 PASSWORD" >&2; exit 2; }
password="$1"

# hex_to_bytes HEX: writes the bytes that HEX spells (coreutils only, no xxd).
hex_to_bytes() {
    local hex="$1" escaped=""
    while [[ -n "$hex" ]]; do
        escaped+="\\x${hex:0:2}"
        hex="${hex:2}"
    done
    printf '%b' "$escaped"
}

salt_hex="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
digest_hex="$({ hex_to_bytes "$salt_hex"; printf '%s' "$password"; } | sha256sum | cut -c1-64)"
hex_to_bytes "$salt_hex$digest_hex" | base64 -w0
printf '\n'
