#!/usr/bin/env bash
# faults.sh — the fault-injection suite in its long form: ./deploy/faults.sh [ROUNDS]
#
# Under a steady stream of demands and department replies, round after round (default 24): SIGKILL
# a random service, restart RabbitMQ, restart PostgreSQL, stall the webhook receiver; then drain
# and count what was lost and what took effect twice (both must be zero), and scan every
# service's log for the workload's phone numbers and names. It prints one line with the figures.
# The test command (./deploy/test.sh) runs the same suite in its short form: one of each fault.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-24}"
if ! [[ "$rounds" =~ ^[0-9]+$ ]] || ((rounds == 0)); then
    echo "usage: $0 [ROUNDS > 0]" >&2
    exit 2
fi
export WHISTLE_FAULT_ROUNDS="$rounds"
exec "$REPO_ROOT/deploy/test.sh" --filter FaultSuiteTests
