#!/usr/bin/env bash
# bench.sh — the benchmark, one command: ./deploy/bench.sh [--fresh] [whistle-bench run options]
#
#   ./deploy/bench.sh --fresh                        the whole benchmark (about 20 minutes)
#   ./deploy/bench.sh --fresh --generator-cpus 1     the generator confined to CPU 1 (taskset), said in the report
#   ./deploy/bench.sh --fresh --history 1000000      first load a million closed tickets
#
# --fresh first deletes the `run` profile's servers and data (deploy/servers.sh reset run), so
# that the figures do not depend on what earlier runs left in the database (its tables grow
# with every run, and so does the cost of writing to them).
#
# Starts (or restarts) the main job's servers and services with ./deploy/run.sh (release build,
# profile `run`, seed district), stops the test servers if they run (they would share the two
# cores), then runs `whistle-bench run`: pgbench and the bare pipeline (the machine's ceiling),
# the latency curve (20, 50, 100, 200, 500 demands/s, 15 s each), the whole flow at full speed
# with simulated departments and citizens, the like-for-like pipeline (as many durable hops and
# row writes per message as the flow made per demand), 60 s idle; CPU and memory of every
# process. A progress line while it runs, a table at the end, and the JSON in
# .local/run/bench.json. Every option but --fresh goes to `whistle-bench run` (see its --help);
# --generator-cpus LIST also runs it under `taskset -c LIST`. See docs/performance.md.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
if [[ "${1:-}" == --fresh ]]; then
    shift
    ./deploy/run.sh stop >/dev/null 2>&1 || true
    "$REPO_ROOT/deploy/servers.sh" reset run
fi
"$REPO_ROOT/deploy/servers.sh" stop test >/dev/null 2>&1 || true
printf '==> ./deploy/run.sh (servers, services, samples)\n'
mkdir -p "$REPO_ROOT/.local"
./deploy/run.sh >"$REPO_ROOT/.local/bench-run.log" 2>&1 || { tail -n 40 "$REPO_ROOT/.local/bench-run.log" >&2; exit 1; }
eval "$("$REPO_ROOT/deploy/servers.sh" env run)"
# --generator-cpus LIST (or --generator-cpus=LIST): the generator runs on those CPUs only.
launcher=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --generator-cpus) launcher=(taskset -c "${args[i + 1]:?--generator-cpus needs a CPU list, e.g. 1}") ;;
        --generator-cpus=*) launcher=(taskset -c "${args[i]#--generator-cpus=}") ;;
    esac
done
printf '==> %swhistle-bench run %s\n' "${launcher[*]:+${launcher[*]} }" "$*"
exec "${launcher[@]}" "$(swift build -c release --show-bin-path)/whistle-bench" run --json "$REPO_ROOT/.local/run/bench.json" "$@"
