#!/usr/bin/env bash
# whistlectl.sh — runs whistlectl for the scripts of a checkout (servers.sh, check-definitions.sh,
# secrets.sh, compose-check's steps), e.g. deploy/whistlectl.sh broker-definitions plain --seed deploy/seed
#
# The program, in this order: $WHISTLE_CTL; whistlectl in $WHISTLE_TEST_BIN_DIR (the suite's build);
# the checkout's .build/debug or .build/release; whistlectl on PATH; else it builds it
# (swift build --product whistlectl) when Swift is installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

whistlectl_program() {
    local candidate
    for candidate in "${WHISTLE_CTL:-}" "${WHISTLE_TEST_BIN_DIR:+$WHISTLE_TEST_BIN_DIR/whistlectl}" \
        "$REPO_ROOT/.build/debug/whistlectl" "$REPO_ROOT/.build/release/whistlectl"; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    if command -v whistlectl >/dev/null; then
        command -v whistlectl
        return 0
    fi
    if command -v swift >/dev/null; then
        printf '[whistlectl.sh] building whistlectl (swift build --product whistlectl)\n' >&2
        (cd "$REPO_ROOT" && swift build --product whistlectl >&2) || return 1
        printf '%s\n' "$REPO_ROOT/.build/debug/whistlectl"
        return 0
    fi
    printf '[whistlectl.sh] error: no whistlectl: build it (swift build --product whistlectl), put it on PATH or set WHISTLE_CTL\n' >&2
    return 1
}

program="$(whistlectl_program)"
exec "$program" "$@"
