#!/usr/bin/env bash
# `npm test`: everything CI checks, in the order a failure is cheapest to find.
# typecheck → build (both packages, the demo) → Redis → the Python worker's tests → unit,
# gateway, broker, security, conformance, architecture, README and cross-language checks → fault suite → bundle size → benchmarks in
# smoke mode → browser tests in the system's Chromium (the demo pages, outages, and the
# packed packages installed in a scratch app).
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

step 'redis: for the broker, cluster, security, fault and browser suites'
# Use $REDIS_URL, or a Redis on 127.0.0.1:6379; start one when the binary is here but none
# runs. Without any, the Redis suites skip with their reason (and fail under CI=true); the
# fault suite starts private redis-servers, so it needs the binary either way.
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
redis_up() { node -e "
  const s = require('net').connect(new URL(process.env.REDIS_URL).port || 6379, new URL(process.env.REDIS_URL).hostname);
  s.on('connect', () => s.write('PING\r\n')); s.on('data', (d) => process.exit(String(d).startsWith('+PONG') ? 0 : 1));
  s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 1000);"; }
if redis_up; then
  echo "Redis answers at $REDIS_URL"
elif command -v redis-server >/dev/null 2>&1 && [[ "$REDIS_URL" == redis://127.0.0.1:6379* ]]; then
  echo "Starting redis-server on 127.0.0.1:6379 (no persistence)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
else
  cat >&2 <<'EOF2'
Missing: Redis 7 for the Redis suites and the browser tests (the Redis suites skip locally and fail on CI).
Install it:  apt-get install redis-server   (Debian/Ubuntu, as root)
or point to one:  REDIS_URL=redis://host:6379 npm test
EOF2
fi

step 'python worker: /usr/bin/python3 -m pytest server-mock/python'
# The Python worker's own tests (validation, errors, every contract step on the real Redis,
# the runner and the Django command). Debian's interpreter: the `python3` first on PATH may be
# another one without the packages. The cross-language suites (Vitest, Playwright) need the same.
export TETHER_PYTHON="${TETHER_PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || true)}"
if [[ -n "$TETHER_PYTHON" ]] && missing="$("$TETHER_PYTHON" - <<'PY'
import importlib.util, sys
need = {"redis": "python3-redis", "pydantic": "python3-pydantic", "django": "python3-django", "pytest": "python3-pytest"}
gone = [f"{m} ({pkg})" for m, pkg in need.items() if importlib.util.find_spec(m) is None]
if sys.version_info < (3, 11):
    gone.insert(0, f"Python 3.11+ (this is {sys.version.split()[0]})")
print(", ".join(gone))
PY
)" && [[ -z "$missing" ]]; then
  (cd server-mock/python && "$TETHER_PYTHON" -m pytest -q -p no:cacheprovider)
else
  echo "Missing for the Python worker's tests: ${missing:-a Python interpreter}." >&2
  echo "Install: apt-get install python3-redis python3-pydantic python3-django python3-pytest   (or set TETHER_PYTHON)" >&2
  if [[ -n "${CI:-}" ]]; then exit 1; fi
  echo "Skipping them (they fail under CI=true); the cross-language suites skip too and say why." >&2
fi

step 'unit and integration tests: vitest run --project unit --project node'
npx vitest run --project unit --project node

step 'fault suite: vitest run --project faults'
# Chaos tests: real gateways and workers as processes, a private redis-server per case that
# is killed and restarted, a TCP fault proxy. Each case prints its figures. About 3 minutes.
npx vitest run --project faults

step 'bundle size: node scripts/size.mjs'
node scripts/size.mjs

step 'benchmarks, smoke mode: npm run bench -- --smoke'
# Every suite with tiny counts, so the benchmarks cannot rot; the real run is `npm run bench`.
npx tsx bench/run.ts --smoke

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


step 'browser tests: playwright test'
npx playwright test
