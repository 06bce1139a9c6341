#!/usr/bin/env bash
# test.sh — THE test command (./deploy/test.sh [swift test arguments, e.g. --filter Intake]).
#
# The lint (deploy/lint.sh: shellcheck and swift-format; a finding fails the run at the end, the
# rest still runs), the real Open311 client of the GeoReport tests (`georeport` from PyPI, in a venv
# at .build/python-open311), `swift build --build-tests`, fresh RabbitMQ + PostgreSQL of the `test` profile
# (stopped again on exit, whatever happens; their users come from the build's whistlectl), a check
# of docker-compose.yml, then `swift test`, with the servers' addresses in WHISTLE_TEST_* variables,
# then deploy/compose-check.sh (the compose stack built and run in a private Docker engine). Exits
# non-zero when anything fails.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVERS="$REPO_ROOT/deploy/servers.sh"
cd "$REPO_ROOT"

PHASES=()
now() { date +%s.%3N; }
T_ALL="$(now)"

# phase NAME CMD...: runs CMD, prints and records how long it took.
phase() {
    local name="$1" t0 rc=0
    shift
    printf '\n==> %s\n' "$name"
    t0="$(now)"
    "$@" || rc=$?
    local took
    took="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
    PHASES+=("$(printf '%-28s %7s s%s' "$name" "$took" "$( ((rc == 0)) || echo "   (failed, exit $rc)")")")
    printf '<== %s: %s s%s\n' "$name" "$took" "$( ((rc == 0)) || echo ", failed (exit $rc)")"
    return "$rc"
}

# The closing line: tests passed and failed, from Swift Testing's results.
summary() {
    [[ -n "${TEST_LOG:-}" && -f "$TEST_LOG" ]] || return 0
    local total failed
    total="$(grep -oE 'Test run with [0-9]+ tests?' "$TEST_LOG" | grep -oE '[0-9]+' | tail -n 1)"
    failed="$(grep -E '^✘ Test .* failed after' "$TEST_LOG" | grep -v '^✘ Test run ' | sed -E 's/ (with [0-9]+ test cases? )?failed after.*//' | sort -u | wc -l)"
    if ((failed > 0)); then
        # The failures again, last, where a CI log's tail shows them.
        printf '\n==> failures\n'
        grep -E '^✘ ' "$TEST_LOG" | grep -vE '^✘ (Suite|Test run) ' | cut -c1-400 | head -n 40
    fi
    rm -f "$TEST_LOG"
    [[ -n "$total" ]] && printf '%d passed, %d failed\n' "$((total - failed))" "$failed"
}

finish() {
    local rc=$?
    trap - EXIT
    "$SERVERS" stop test || true
    printf '\n==> timings\n'
    ((${#PHASES[@]})) && printf '  %s\n' "${PHASES[@]}"
    printf '  %-28s %7s s\n' "total" "$(awk -v a="$T_ALL" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
    if ((rc == 0)); then echo "test.sh: passed"; else echo "test.sh: FAILED (exit $rc)"; fi
    if [[ -n "${COMPOSE_LOG:-}" && -s "$COMPOSE_LOG" ]]; then
        grep -E '^compose-check: ' "$COMPOSE_LOG" | tail -n 1
        rm -f "$COMPOSE_LOG"
    fi
    if [[ -n "${LINT_LOG:-}" && -s "$LINT_LOG" ]]; then
        grep -E '^lint: (passed|FAILED)' "$LINT_LOG" | tail -n 1
        rm -f "$LINT_LOG"
    fi
    summary || true
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "install packages" "$SERVERS" install

# The real Open311 client of the GeoReport tests (Open311ReadTests): `georeport` from PyPI in a
# venv of its own under .build (python3-venv comes with deploy/servers.sh install); the tests run
# it with WHISTLE_TEST_PYTHON.
OPEN311_CLIENT="$REPO_ROOT/.build/python-open311"
GEOREPORT_VERSION=0.3.1
install_open311_client() {
    local python="$OPEN311_CLIENT/bin/python"
    if "$python" -c "import importlib.metadata as m, sys; sys.exit(m.version('georeport') != '$GEOREPORT_VERSION')" 2>/dev/null; then
        return 0
    fi
    python3 -m venv "$OPEN311_CLIENT" || return
    "$python" -m pip install -q --disable-pip-version-check "georeport==$GEOREPORT_VERSION" || return
}
phase "install the Open311 client" install_open311_client
export WHISTLE_TEST_PYTHON="$OPEN311_CLIENT/bin/python"

# The lint first; its findings fail the run at the end, after the tests (deploy/lint.sh).
LINT_LOG="$(mktemp)"
run_lint() { "$REPO_ROOT/deploy/lint.sh" 2>&1 | tee "$LINT_LOG"; return "${PIPESTATUS[0]}"; }
LINT_RC=0
phase "lint" run_lint || LINT_RC=$?

# Built before the servers start: their broker users come from whistlectl broker-definitions.
phase "swift build --build-tests" swift build --build-tests
WHISTLE_TEST_BIN_DIR="$(swift build --show-bin-path)"
export WHISTLE_TEST_BIN_DIR

phase "reset test servers" "$SERVERS" reset test
phase "start test servers" "$SERVERS" start test

# The tests get the test servers only: never a WHISTLE_AMQP_URL / WHISTLE_DATABASE_URL that a
# developer's shell may point at another broker or database.
eval "$("$SERVERS" env test)"
export WHISTLE_TEST_AMQP_URL="$WHISTLE_AMQP_URL"
export WHISTLE_TEST_DATABASE_URL="$WHISTLE_DATABASE_URL"
unset WHISTLE_AMQP_URL WHISTLE_DATABASE_URL
export WHISTLE_TEST_SERVERS="$SERVERS"
export WHISTLE_TEST_PROFILE=test

# docker-compose.yml with a complete set of variables: fresh random secrets (deploy/secrets.sh).
# (That compose refuses an incomplete set, naming the variable, is a test: ComposeSecretsTests.)
validate_compose() {
    local env_file rc=0
    env_file="$(mktemp)"
    "$REPO_ROOT/deploy/secrets.sh" - >"$env_file"
    docker-compose --env-file "$env_file" -f docker-compose.yml config -q || rc=$?
    rm -f "$env_file"
    return "$rc"
}
phase "validate docker-compose.yml" validate_compose

printf '\nWHISTLE_TEST_AMQP_URL=%s\nWHISTLE_TEST_DATABASE_URL=%s\nWHISTLE_TEST_BIN_DIR=%s\n' \
    "$WHISTLE_TEST_AMQP_URL" "$WHISTLE_TEST_DATABASE_URL" "$WHISTLE_TEST_BIN_DIR"
# Serially: fault tests restart the shared broker and database, which parallel suites would feel.
TEST_LOG="$(mktemp)"
run_tests() { swift test --skip-build --no-parallel "$@" 2>&1 | tee "$TEST_LOG"; return "${PIPESTATUS[0]}"; }
TESTS_RC=0
phase "swift test" run_tests "$@" || TESTS_RC=$?

# The production path, after the suite: images built, the compose stack run, upgraded, backed up,
# restored and faulted (deploy/compose-check.sh). Skipped only when the arguments select tests
# (a --filter run during development); its last line names a failed step.
COMPOSE_LOG="$(mktemp)"
run_compose_check() { "$REPO_ROOT/deploy/compose-check.sh" 2>&1 | tee "$COMPOSE_LOG"; return "${PIPESTATUS[0]}"; }
if (($# == 0)); then
    phase "compose-check" run_compose_check
fi
# The suite's status, now that the compose check has run too (errexit ends the script with it),
# then the lint's.
(exit "$TESTS_RC")
(exit "$LINT_RC")
