#!/usr/bin/env bash
# The test command (README, .ci/run).
#   scripts/test.sh                     lint + typecheck, then every suite (unit, workflows, integration, e2e)
#   scripts/test.sh quick               unit + workflow tests only (the inner loop)
#   scripts/test.sh unit|workflows|integration|e2e ...   those suites
# Suites run side by side (TEST_CONCURRENCY files at once, default 4): each end-to-end file has its
# own namespaces, operator process and task queue, and most of its time is waiting. Files that need
# the whole node to themselves (EXCLUSIVE) run alone afterwards. At the end: a table of each
# suite's wall time and the 10 slowest tests.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
EXCLUSIVE=(test/e2e/stack-recovery.test.ts) # takes the shared stack down and up again
CONCURRENCY=${TEST_CONCURRENCY:-4}

suites=("$@")
if (( $# == 0 )); then suites=(unit workflows integration e2e); fi
if [[ ${suites[*]} == quick ]]; then suites=(unit workflows); fi
files=()
for s in "${suites[@]}"; do
  [[ -d test/$s ]] || { echo "test: no suite test/$s (unit, workflows, integration, e2e or quick)" >&2; exit 1; }
  while IFS= read -r f; do files+=("$f"); done < <(find "test/$s" -name '*.test.ts' | sort)
done
(( ${#files[@]} )) || { echo "test: no test files under test/{${suites[*]}}" >&2; exit 1; }
# Longest first (by the last run's times): a long suite that starts last runs alone at the end.
mapfile -t files < <(node --import tsx test/support/suite-order.ts "${files[@]}")
together=() alone=()
for f in "${files[@]}"; do
  if [[ " ${EXCLUSIVE[*]} " == *" $f "* ]]; then alone+=("$f"); else together+=("$f"); fi
done

# The full run checks types and lint first (tsx strips types without checking them), while the
# stack comes up: that is mostly waiting for daemons, this is CPU.
checks=
if (( $# == 0 )); then (npx eslint . && npx tsc --noEmit) & checks=$!; fi
# Once, before the suites start: they all need the stack, and the e2e operators the prebuilt bundle.
if [[ ${suites[*]} != unit ]]; then bash scripts/stack.sh up; fi
# The build too (the prebuilt workflow bundle, and the bundled CLI that bin/etcdop.js runs, as after
# npm start), and the real Temporal server's tools: built under load by the first suite that needs
# them, they would hold the stack's lock for minutes.
if [[ " ${suites[*]} " == *" e2e "* ]]; then bash scripts/build.sh; bash scripts/tools.sh server; bash scripts/browser.sh; fi
if [[ -n $checks ]] && ! wait "$checks"; then echo "test: lint or typecheck failed" >&2; exit 1; fi

timings=$(mktemp)
trap 'rm -f "$timings"' EXIT
t0=$SECONDS
status=0
run() {
  node --import tsx --test --test-concurrency="$1" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./test/support/timing-reporter.mjs --test-reporter-destination="$timings.part" \
    "${@:2}" || status=1
  cat "$timings.part" >> "$timings"; rm -f "$timings.part"
}
if (( ${#together[@]} )); then run "$CONCURRENCY" "${together[@]}"; fi
if (( ${#alone[@]} )); then run 1 "${alone[@]}"; fi
node --import tsx test/support/timing-table.ts "$timings" "$((SECONDS - t0))"
exit "$status"
