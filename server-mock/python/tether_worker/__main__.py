"""``python -m tether_worker myapp.rpc``: run the worker that module defines until SIGTERM.
Settings come from the environment (REDIS_URL, PREFIX, WORKER_NAME, CONCURRENCY,
CLAIM_IDLE_MS, MAX_DELIVERIES, ANNOUNCE_TTL_MS, HISTORY_MAX_LEN, HISTORY_MAX_AGE_MS,
LOG_LEVEL)."""

from __future__ import annotations

import sys

from .config import ConfigError
from .runner import run_module


def main(argv: list) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m tether_worker <module>[:<worker attribute>]   (settings from REDIS_URL, PREFIX, …)", file=sys.stderr)
        return 2
    try:
        run_module(argv[0])
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
