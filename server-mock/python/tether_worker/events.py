"""Publishing events the way the Node broker does (redis-events.ts): one script appends the
event to the target's history (with its epoch, trimmed by count and age) and publishes the
live message, so live order is offset order whoever publishes."""

from __future__ import annotations

import secrets
import time
from typing import Any, Dict, List, Optional

from .keys import Keys, dumps, target_json

HISTORY_MAX_LEN = 1000
HISTORY_MAX_AGE_MS = 600_000


def user_target(user: str) -> Dict[str, Any]:
    return {"kind": "user", "user": user}


def room_target(room: str) -> Dict[str, Any]:
    return {"kind": "room", "room": room}


BROADCAST: Dict[str, Any] = {"kind": "broadcast"}


def user_body(type: str, data: Any = None, message: Optional[str] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"type": type}
    if data is not None:
        body["data"] = data
    if message:
        body["message"] = message
    return body


def room_body(event: str, data: Any = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"event": event}
    if data is not None:
        body["data"] = data
    return body


class PublishCall:
    """The keys and arguments of one run of the publish script, and the event it stores."""

    def __init__(self, keys: Keys, target: Dict[str, Any], body: Dict[str, Any], max_len: int, max_age_ms: int) -> None:
        stored = dict(body)
        stored["ts"] = int(time.time() * 1000)
        self.stored = stored
        payload = dumps(stored)
        # `{"kind":"event","target":…,"event":{"offset":"<offset>",<the payload's fields>}}`
        before = '{"kind":"event","target":' + target_json(target) + ',"event":{"offset":"'
        after = '",' + payload[1:] + "}"
        self.keys: List[str] = [keys.history(target), keys.meta(target)]
        # A fresh epoch, used only when the target has none (or lost its history).
        self.args: List[Any] = [max_len, max_age_ms, keys.channel(target), payload, before, after, secrets.token_urlsafe(6)]

    def event(self, offset: Any) -> Dict[str, Any]:
        event = dict(self.stored)
        event["offset"] = offset.decode() if isinstance(offset, bytes) else str(offset)
        return event
