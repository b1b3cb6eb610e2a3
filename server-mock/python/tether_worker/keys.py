"""Key names of the Redis contract (docs/redis-contract.md), the same as the Node broker's
(server-mock/broker/redis-shared.ts). Text that comes from users enters a key only as a key
part, ``<utf-8 length>:<text>``, so no name can end where another key's part begins."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict

GROUP = "tether-workers"


def key_part(text: str) -> str:
    return f"{len(text.encode('utf-8'))}:{text}"


def target_key(target: Dict[str, Any]) -> str:
    kind = target["kind"]
    if kind == "user":
        return f"user:{key_part(target['user'])}"
    if kind == "room":
        return f"room:{key_part(target['room'])}"
    return "broadcast"


def target_json(target: Dict[str, Any]) -> str:
    """The target as the Node broker writes it (JSON.stringify: ``kind`` first, no spaces)."""
    return dumps(target)


def dumps(value: Any) -> str:
    """JSON as JSON.stringify writes it: compact, UTF-8 kept, no NaN."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class Keys:
    prefix: str = "tether:"

    def rpc(self, method: str) -> str:
        return f"{self.prefix}rpc:{key_part(method)}"

    @property
    def methods(self) -> str:
        return f"{self.prefix}methods"

    @property
    def serving(self) -> str:
        return f"{self.prefix}serving"

    @property
    def dead(self) -> str:
        return f"{self.prefix}rpc:dead"

    def call(self, user: str, call_id: str) -> str:
        return f"{self.prefix}call:{key_part(user)}{key_part(call_id)}"

    def waiters(self, user: str, call_id: str) -> str:
        return f"{self.prefix}waiters:{key_part(user)}{key_part(call_id)}"

    def reply(self, reply_to: str) -> str:
        return f"{self.prefix}reply:{reply_to}"

    def history(self, target: Dict[str, Any]) -> str:
        return f"{self.prefix}hist:{target_key(target)}"

    def meta(self, target: Dict[str, Any]) -> str:
        return f"{self.prefix}meta:{target_key(target)}"

    def channel(self, target: Dict[str, Any]) -> str:
        return f"{self.prefix}ev:{target_key(target)}"
