#!/usr/bin/env bash
# make-definitions.sh — writes deploy/rabbitmq/definitions.json, the broker users and permissions
# docker-compose.yml loads at boot, from the model in definitions.sh: the services, the operator,
# the four channel adapters and one user per department of the seed, each with its development
# password hashed. Run it after adding a department to the seed, then deploy/check-definitions.sh;
# in production, change every password (see docs/operations.md).
#
#   deploy/rabbitmq/make-definitions.sh [SEED_DEPARTMENTS_YAML]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/rabbitmq/definitions.sh
source "$here/definitions.sh"
whistle_definitions hashed "${1:-$here/../seed/departments.yaml}" >"$here/definitions.json"
echo "wrote $here/definitions.json"
