#!/usr/bin/env bash
# The test command (README, .ci/run): unit tests, then tests against the real local stack.
#   scripts/test.sh [unit|workflows|integration|e2e]...   (default: lint + typecheck, then all, in that order)
# Suites that need servers bring the stack up themselves (test/support/stack.ts).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
suites=("${@:-unit workflows integration e2e}")
files=()
for s in ${suites[@]}; do
  while IFS= read -r f; do files+=("$f"); done < <(find "test/$s" -name '*.test.ts' 2>/dev/null | sort)
done
# The full run checks types and lint first: tsx strips types without checking them.
if (( $# == 0 )); then npx eslint . && npx tsc --noEmit; fi
(( ${#files[@]} )) || { echo "test: no test files under test/{${suites[*]}}" >&2; exit 1; }
# One file at a time: the suites share one Kubernetes node and one Temporal server.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
