"""What a handler knows about its call, and what it can push to clients."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Optional

Publish = Callable[[Dict[str, Any], Dict[str, Any]], Awaitable[Dict[str, Any]]]


@dataclass
class Context:
    #: The authenticated caller (the JWT's ``sub``).
    user: str
    #: The caller's connection, on gateway ``gateway``.
    conn: str
    gateway: str
    #: The worker running the call (its consumer name).
    worker: str
    #: The client's call id: stable across resends and redeliveries. A call whose worker died
    #: may run again elsewhere, so key side effects on it.
    call_id: str
    #: Epoch ms after which nobody waits for the answer.
    deadline: float
    _publish: Publish = field(repr=False, default=None)  # type: ignore[assignment]
    _loop: Optional[asyncio.AbstractEventLoop] = field(repr=False, default=None)
    _loop_thread: Optional[int] = field(repr=False, default=None)

    @property
    def remaining(self) -> float:
        """Seconds left before the deadline (0 when it has passed)."""
        return max(0.0, self.deadline / 1000 - time.time())

    def notify(self, user: str, type: str, data: Any = None, message: Optional[str] = None) -> Any:
        """Notify every connection of ``user``. Await it in an async handler; in a sync
        handler (run in a thread) it blocks and returns the stored event."""
        from .events import user_body, user_target

        return self._run(user_target(user), user_body(type, data, message))

    def to_room(self, room: str, event: str, data: Any = None) -> Any:
        """Send ``event`` to every member of ``room``."""
        from .events import room_body, room_target

        return self._run(room_target(room), room_body(event, data))

    def broadcast(self, type: str, data: Any = None, message: Optional[str] = None) -> Any:
        """Send to every connection."""
        from .events import BROADCAST, user_body

        return self._run(BROADCAST, user_body(type, data, message))

    def _run(self, target: Dict[str, Any], body: Dict[str, Any]) -> Any:
        coro = self._publish(target, body)
        if self._loop is None or threading.get_ident() == self._loop_thread:
            return coro
        # A sync handler runs in a thread: hand the publish to the worker's loop and wait.
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()
