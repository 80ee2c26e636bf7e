#!/usr/bin/env bash
# `npm run build`: the operator compiled to dist/ (what the fast CLI and the image run) and the prebuilt
# workflow bundle. dist/.build-stamp comes last: bin/etcdop.js runs dist/ only while the stamp is newer
# than every source file, so a half-written or outdated build is never used.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f dist/.build-stamp
npx tsc -p tsconfig.build.json
node --import tsx scripts/build-workflows.ts
touch dist/.build-stamp
