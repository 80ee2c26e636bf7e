#!/usr/bin/env bash
# `npm run build`: the operator compiled to dist/ (what the image runs), the prebuilt workflow bundle
# and the CLI bundled (dist/cli-bundle/, what bin/etcdop.js runs). dist/.build-stamp comes last:
# bin/etcdop.js runs dist/ only while the stamp is newer than every source file, so a half-written or
# outdated build is never used.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f dist/.build-stamp
npx tsc -p tsconfig.build.json
node --import tsx scripts/build-workflows.ts
node --import tsx scripts/bundle-cli.ts
touch dist/.build-stamp
