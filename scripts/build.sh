#!/usr/bin/env bash
# `npm run build`: the operator compiled to dist/, the prebuilt workflow bundle, and the CLI and the
# operator bundled from what was compiled (dist/cli-bundle/ and dist/operator-bundle/: what
# bin/etcdop.js and the image run). dist/.build-stamp comes last: bin/etcdop.js runs dist/ only while
# the stamp is newer than every source file, so a half-written or outdated build is never used.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f dist/.build-stamp
npx tsc -p tsconfig.build.json
node --import tsx scripts/build-workflows.ts
node --import tsx scripts/bundle.ts
touch dist/.build-stamp
