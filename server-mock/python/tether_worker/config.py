"""The worker's settings: the same environment variables as ``tether-worker`` (README,
"Configuration"), each overridable in code. A bad value fails at start-up with its name and
what was expected, every bad value at once."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, Mapping, Optional


class ConfigError(ValueError):
    def __init__(self, problems: list) -> None:
        super().__init__("Invalid configuration:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    redis_url: str = "redis://127.0.0.1:6379"
    prefix: str = "tether:"
    #: Consumer name in the workers' group; unique per process.
    name: str = ""
    #: New calls run at once (calls taken over from dead workers may add as many again).
    concurrency: int = 16
    #: A call whose lease nobody refreshed for this long is taken over from its (dead) worker.
    claim_idle_ms: int = 10_000
    #: Deliveries after which a call goes to the dead-letter stream and its caller gets -32603.
    max_deliveries: int = 3
    #: How long the method directory keeps this worker's methods without a renewal.
    announce_ttl_ms: int = 30_000
    history_max_len: int = 1000
    history_max_age_ms: int = 600_000
    log_level: str = "INFO"


#: Setting → its environment variable (the Node worker's names where it has one).
ENV_NAMES: Dict[str, str] = {
    "redis_url": "REDIS_URL",
    "prefix": "PREFIX",
    "name": "WORKER_NAME",
    "concurrency": "CONCURRENCY",
    "claim_idle_ms": "CLAIM_IDLE_MS",
    "max_deliveries": "MAX_DELIVERIES",
    "announce_ttl_ms": "ANNOUNCE_TTL_MS",
    "history_max_len": "HISTORY_MAX_LEN",
    "history_max_age_ms": "HISTORY_MAX_AGE_MS",
    "log_level": "LOG_LEVEL",
}


def _whole(minimum: int) -> Callable[[str], Optional[int]]:
    return lambda s: int(s) if re.fullmatch(r"\d+", s) and int(s) >= minimum else None


_PARSERS: Dict[str, Callable[[str], Any]] = {
    "redis_url": lambda s: s if re.match(r"^rediss?://", s) else None,
    "prefix": lambda s: s if re.fullmatch(r"\S{1,64}", s) else None,
    "name": lambda s: s if re.fullmatch(r"[\w.:-]{1,64}", s) else None,
    "concurrency": _whole(1),
    "claim_idle_ms": _whole(1),
    "max_deliveries": _whole(1),
    "announce_ttl_ms": _whole(1),
    "history_max_len": _whole(1),
    "history_max_age_ms": _whole(1),
    "log_level": lambda s: s.upper() if s.upper() in ("CRITICAL", "ERROR", "WARNING", "WARN", "INFO", "DEBUG") else None,
}
_EXPECTED = {
    "redis_url": "a redis:// or rediss:// URL",
    "prefix": "a key prefix without spaces (1-64 characters)",
    "name": 'an id of 1-64 letters, digits, ".", "_", ":" or "-"',
    "log_level": "one of critical, error, warning, info, debug",
}


def load_settings(env: Optional[Mapping[str, str]] = None, **overrides: Any) -> Settings:
    """Settings from ``env`` (default: ``os.environ``), then ``overrides`` that are not None."""
    env = os.environ if env is None else env
    values: Dict[str, Any] = {}
    problems = []
    for f in fields(Settings):
        given = overrides.get(f.name)
        raw = str(given) if given is not None else (env.get(ENV_NAMES[f.name]) or "").strip()
        if not raw:
            continue
        parsed = _PARSERS[f.name](raw)
        if parsed is None:
            source = f.name if given is not None else ENV_NAMES[f.name]
            expected = _EXPECTED.get(f.name, "a whole number ≥ 1")
            problems.append(f"{source}={raw!r} is not {expected}")
        else:
            values[f.name] = parsed
    if problems:
        raise ConfigError(problems)
    values.setdefault("name", f"worker-py-{secrets.token_hex(4)}")
    return Settings(**values)
