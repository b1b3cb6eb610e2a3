#!/usr/bin/env bash
# `npm test`: everything CI checks, in the order a failure is cheapest to find.
# typecheck → build → unit tests → bundle size → browser tests (system Chromium).
set -euo pipefail

cd "$(dirname "$0")/.."

# Playwright must use the system's Chromium, never download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() {
  printf '\n==> %s\n' "$*"
}

step 'typecheck: tsc --noEmit -p .'
npx tsc --noEmit -p .

step 'build: npm run build'
npm run build

step 'unit tests: vitest run'
npx vitest run

step 'bundle size: node scripts/size.mjs'
node scripts/size.mjs

step 'browser tests: find Chromium'
find_chromium() {
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    if [[ -x "$CHROMIUM_PATH" ]]; then
      printf '%s\n' "$CHROMIUM_PATH"
      return 0
    fi
    echo "CHROMIUM_PATH is set to '$CHROMIUM_PATH', which is not an executable file." >&2
    return 1
  fi
  if [[ -x /usr/bin/chromium ]]; then
    printf '%s\n' /usr/bin/chromium
    return 0
  fi
  local name
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}
if ! CHROMIUM_PATH="$(find_chromium)"; then
  cat >&2 <<'EOF'
Missing: a Chromium browser for the browser tests (Playwright is set up never to download one).
Looked for: $CHROMIUM_PATH, /usr/bin/chromium, then `chromium` and `chromium-browser` on PATH.
Install it:
  Debian/Ubuntu:  apt-get install chromium   (as root, or with sudo)
or point to an existing Chromium or Chrome binary:
  CHROMIUM_PATH=/path/to/chromium npm test
EOF
  exit 1
fi
export CHROMIUM_PATH
echo "Chromium: $CHROMIUM_PATH"

# Later: the Redis check for the gateway/worker e2e tests goes here, like the Chromium one
# (use $REDIS_URL, else 127.0.0.1:6379; if `redis-cli ping` fails, say what is missing and exit 1).

step 'browser tests: playwright test'
npx playwright test
