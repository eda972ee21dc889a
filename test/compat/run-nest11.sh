#!/usr/bin/env bash
# Installs the NestJS 11 CommonJS fixture against this package as npm would publish it, compiles
# it with its own TypeScript twice (the tsconfig of a new Nest 11 project, then classic node
# resolution) and runs both builds. Exits non-zero when any step or check fails.
# Set NESTJS_BREAKER_SKIP_BUILD=1 when dist/ is already built.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixture="$root/test/fixtures/nest11-cjs"

if [[ "${NESTJS_BREAKER_SKIP_BUILD:-}" != 1 ]]; then
  (cd "$root" && npm run --silent build)
fi

cd "$fixture"

# install-links (.npmrc) copies the package the way a registry install would, so it resolves
# @nestjs/* from the fixture; removing the copy first makes npm take the current dist/.
rm -rf node_modules/nestjs-breaker dist dist-classic tsconfig.tsbuildinfo
npm install --no-audit --no-fund --loglevel=error
npx --no-install tsc -p tsconfig.json
npx --no-install tsc -p tsconfig.classic.json
node dist/main.js
node dist-classic/main.js
