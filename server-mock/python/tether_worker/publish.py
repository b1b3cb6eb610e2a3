"""``notify``, ``to_room`` and ``broadcast`` for code outside a call: a Django view that
publishes after a save, a management command, a Celery task. Synchronous, on a connection of
their own; configured from the environment (``REDIS_URL``, ``PREFIX``, ``HISTORY_MAX_LEN``,
``HISTORY_MAX_AGE_MS``), Django's settings (``tether_worker.django``) or ``configure``."""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

import redis

from . import scripts
from .config import Settings, load_settings
from .events import BROADCAST, PublishCall, room_body, room_target, user_body, user_target
from .keys import Keys

_lock = threading.Lock()
_state: Dict[str, Any] = {}


def configure(redis_url: Optional[str] = None, *, prefix: Optional[str] = None, history_max_len: Optional[int] = None, history_max_age_ms: Optional[int] = None) -> Settings:
    """Where the functions below publish; settings not given come from the environment."""
    settings = load_settings(redis_url=redis_url, prefix=prefix, history_max_len=history_max_len, history_max_age_ms=history_max_age_ms)
    with _lock:
        old = _state.pop("client", None)
        _state["settings"] = settings
    if old is not None:
        old.close()
    return settings


def _client() -> tuple:
    with _lock:
        settings = _state.get("settings") or load_settings()
        _state["settings"] = settings
        client = _state.get("client")
        if client is None:
            client = _state["client"] = redis.Redis.from_url(settings.redis_url, decode_responses=True)
            _state["script"] = client.register_script(scripts.PUBLISH)
        return settings, _state["script"]


def publish(target: Dict[str, Any], body: Dict[str, Any]) -> Dict[str, Any]:
    settings, script = _client()
    call = PublishCall(Keys(settings.prefix), target, body, settings.history_max_len, settings.history_max_age_ms)
    return call.event(script(keys=call.keys, args=call.args))


def notify(user: str, type: str, data: Any = None, message: Optional[str] = None) -> Dict[str, Any]:
    """Notify every connection of ``user``; returns the stored event (with its ``offset``)."""
    return publish(user_target(user), user_body(type, data, message))


def to_room(room: str, event: str, data: Any = None) -> Dict[str, Any]:
    """Send ``event`` to every member of ``room``."""
    return publish(room_target(room), room_body(event, data))


def broadcast(type: str, data: Any = None, message: Optional[str] = None) -> Dict[str, Any]:
    """Send to every connection."""
    return publish(BROADCAST, user_body(type, data, message))
