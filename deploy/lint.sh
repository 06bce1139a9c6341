#!/usr/bin/env bash
# lint.sh — the checks a newcomer expects before any test (deploy/test.sh runs it first):
#   shell scripts      `shellcheck -x` on every *.sh of the checkout (tracked or new) and .ci/run
#   Swift sources      `swift-format lint --strict` over Package.swift Shared Services Tests, with the
#                      repository's .swift-format
# Each finding names its file (file:line:column); the last line says what failed, and the exit
# status is non-zero then. shellcheck comes from apt (deploy/servers.sh install) when missing;
# swift-format ships with the Swift toolchain (found beside `swift`).
#
#   deploy/lint.sh [shell|swift]      both by default
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
what="${1:-all}"
failed=()

# The shell scripts: git's tracked and new (not ignored) files when this is a clone, else a search.
shell_scripts() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -co --exclude-standard -- '*.sh'
    else
        find . -name '*.sh' -not -path './.build*' -not -path './.local/*' | sed 's|^\./||'
    fi | sort -u
    printf '%s\n' .ci/run
}

lint_shell() {
    if ! command -v shellcheck >/dev/null; then
        echo "lint: shellcheck is missing; installing it (deploy/servers.sh install)"
        "$REPO_ROOT/deploy/servers.sh" install
        command -v shellcheck >/dev/null || { failed+=("shellcheck is not installed"); return; }
    fi
    local scripts=() file bad=()
    mapfile -t scripts < <(shell_scripts)
    for file in "${scripts[@]}"; do
        [[ -f "$file" ]] || continue
        shellcheck -x -f gcc "$file" || bad+=("$file")
    done
    if ((${#bad[@]})); then
        failed+=("shellcheck: ${#bad[@]} of ${#scripts[@]} scripts (${bad[*]})")
    else
        echo "lint: shellcheck: ${#scripts[@]} scripts clean"
    fi
}

# swift-format: on PATH, else beside the toolchain's swift (e.g. /opt/swift/usr/bin).
swift_format() {
    local swift
    if command -v swift-format >/dev/null; then
        command -v swift-format
    elif swift="$(command -v swift)" && [[ -x "$(dirname "$(readlink -f "$swift")")/swift-format" ]]; then
        printf '%s\n' "$(dirname "$(readlink -f "$swift")")/swift-format"
    else
        return 1
    fi
}

lint_swift() {
    local program findings files
    program="$(swift_format)" || { failed+=("swift-format: not found (it ships with the Swift toolchain, beside swift)"); return; }
    findings="$(mktemp)"
    "$program" lint --strict --configuration .swift-format -r Package.swift Shared Services Tests 2>"$findings" || true
    if [[ -s "$findings" ]]; then
        cat "$findings"
        files="$(grep -oE '^[^:]+\.swift' "$findings" | sort -u | wc -l)"
        failed+=("swift-format: $(grep -cE '^[^:]+\.swift:[0-9]+' "$findings") findings in $files files (run: $program format -i -r Package.swift Shared Services Tests)")
    else
        echo "lint: swift-format: clean"
    fi
    rm -f "$findings"
}

case "$what" in
    all) lint_shell; lint_swift ;;
    shell) lint_shell ;;
    swift) lint_swift ;;
    *) echo "usage: deploy/lint.sh [shell|swift]" >&2; exit 2 ;;
esac

if ((${#failed[@]})); then
    printf 'lint: FAILED: %s\n' "$(IFS=';' && printf '%s' "${failed[*]}" | sed 's/;/; /g')"
    exit 1
fi
echo "lint: passed"
