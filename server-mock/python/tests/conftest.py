"""Fixtures for the Python worker's tests: a real Redis (``REDIS_URL`` or 127.0.0.1:6379)
under a key prefix of each test's own, and the gateway's side of the contract done by hand
(claim, enqueue, read replies) the way docs/redis-contract.md says a gateway does it."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import redis  # noqa: E402

from tether_worker.keys import Keys  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")


def _redis_missing() -> Optional[str]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return None
    except Exception as error:  # noqa: BLE001 - any reason is reported as is
        return str(error)


@pytest.fixture(scope="session")
def redis_url() -> str:
    missing = _redis_missing()
    if missing:
        message = f"No Redis answered at {REDIS_URL} ({missing}). Start one: redis-server --daemonize yes --save '' --appendonly no, or set REDIS_URL."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def prefix(redis_url: str):
    p = f"tether-py-test:{secrets.token_hex(4)}:"
    yield p
    r = redis.Redis.from_url(redis_url)
    for key in r.scan_iter(match=f"{p}*", count=1000):
        r.delete(key)
    r.close()


class FakeGateway:
    """The gateway's steps of a call, by hand: claim, enqueue, read the reply stream."""

    def __init__(self, url: str, prefix: str, name: str = "g1") -> None:
        self.r = redis.Redis.from_url(url, decode_responses=True)
        self.keys = Keys(prefix)
        self.name = name

    def request(self, method: str, params: Any = None, *, user: str = "u1", deadline_ms: float = 10_000, call_id: Optional[str] = None) -> Dict[str, Any]:
        req = {
            "id": call_id or secrets.token_hex(6),
            "method": method,
            "user": user,
            "conn": "c1",
            "gateway": self.name,
            "replyTo": self.name,
            "deadline": time.time() * 1000 + deadline_ms,
        }
        if params is not None:
            req["params"] = params
        return req

    def submit(self, req: Dict[str, Any], window_ms: int = 60_000, payload: Optional[str] = None) -> str:
        assert self.r.set(self.keys.call(req["user"], req["id"]), '{"state":"pending"}', nx=True, px=window_ms)
        return self.r.xadd(self.keys.rpc(req["method"]), {"payload": payload if payload is not None else json.dumps(req)})

    def join(self, req: Dict[str, Any], reply_to: str) -> None:
        """A resend on gateway ``reply_to`` while the call runs: it waits for the reply."""
        self.r.sadd(self.keys.waiters(req["user"], req["id"]), reply_to)

    def replies(self, reply_to: Optional[str] = None, count: int = 1, timeout: float = 5.0) -> List[Dict[str, Any]]:
        key = self.keys.reply(reply_to or self.name)
        end = time.time() + timeout
        got: List[Dict[str, Any]] = []
        while time.time() < end:
            got = [json.loads(fields["payload"]) for _, fields in self.r.xrange(key)]
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"expected {count} replies on {key} within {timeout}s, got {got}")

    def stored(self, req: Dict[str, Any]) -> Dict[str, Any]:
        return json.loads(self.r.get(self.keys.call(req["user"], req["id"])))


@pytest.fixture
def gateway(redis_url: str, prefix: str):
    g = FakeGateway(redis_url, prefix)
    yield g
    g.r.close()


def run(coro):
    return asyncio.run(coro)
