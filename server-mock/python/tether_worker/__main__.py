"""``python -m tether_worker myapp.rpc``: run the worker that module defines until SIGTERM.
Settings come from the environment (REDIS_URL, PREFIX, WORKER_NAME, CONCURRENCY,
CLAIM_IDLE_MS, MAX_DELIVERIES, ANNOUNCE_TTL_MS, HISTORY_MAX_LEN, HISTORY_MAX_AGE_MS,
LOG_LEVEL). ``--describe <module>`` prints the methods' JSON Schemas instead."""

from __future__ import annotations

import json
import sys

from redis.exceptions import ConnectionError as RedisConnectionError

from .config import ConfigError
from .runner import find_worker, run_module


USAGE = """usage: python -m tether_worker <module>[:<worker attribute>]   run the worker (settings from REDIS_URL, PREFIX, …)
       python -m tether_worker --describe <module>             print its methods' JSON Schemas (for tether-codegen --from)"""


def main(argv: list) -> int:
    if len(argv) == 2 and argv[0] == "--describe":
        print(json.dumps({"methods": find_worker(argv[1]).describe()}, indent=2))
        return 0
    if len(argv) != 1 or argv[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        run_module(argv[0])
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except RedisConnectionError as error:
        # Start-up problems are one clear line, not a stack.
        print(f"Redis cannot be reached: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
