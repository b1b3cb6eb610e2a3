"""The worker's side of calls on Redis, step for step the Node consumer's
(server-mock/broker/redis-consumer.ts, docs/redis-contract.md): a consumer of the
``tether-workers`` group on the stream of each method it serves; a call past its deadline is
answered -32003 without running; every reply is stored in the call's key before it goes to
the caller and every waiter; the leases of running calls are refreshed; calls whose worker
died are taken over; a call delivered too often is dead-lettered; ``stop`` takes no new calls
and returns once the ones taken are answered."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import scripts
from .errors import INTERNAL_ERROR, INVALID_REQUEST, deadline_reply, error_reply
from .keys import GROUP, Keys, dumps
from .request import CallRequest, Caller, Undecodable, decode

#: Dead-lettered requests kept, approximately.
DEAD_MAX_LEN = 100_000
#: Bounds the reply stream of a gateway that is gone; a live gateway deletes what it reads.
REPLY_MAX_LEN = 1000
#: A reply stream nobody has written to for this long disappears.
REPLY_TTL_MS = 24 * 60 * 60 * 1000
#: Longest XREADGROUP block: how late a stopping worker notices, at most.
READ_BLOCK_MAX_MS = 1000

Handle = Callable[[CallRequest], Awaitable[Dict[str, Any]]]
Slot = Tuple[str, str]


def now_ms() -> float:
    return time.time() * 1000


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def ensure_groups(redis: Redis, streams: List[str]) -> None:
    """Create the workers' group (and the stream) unless it exists. From `0`: nothing in a
    stream without a group was ever delivered."""
    for stream in streams:
        try:
            await redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                raise


class Consumer:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        name: str,
        methods: List[str],
        handle: Handle,
        *,
        batch: int = 16,
        claim_idle_ms: int = 10_000,
        max_deliveries: int = 3,
        logger: Optional[logging.Logger] = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.name = name
        self.streams = [keys.rpc(m) for m in dict.fromkeys(methods)]
        self.handle = handle
        self.batch = max(1, batch)
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.log = logger or logging.getLogger("tether_worker")
        # Look for abandoned calls four times per idle period (at most ~1.25 × claim_idle_ms
        # late), at least once a second; refresh leases three times per idle period.
        self.rescue_every_ms = max(10.0, min(claim_idle_ms / 4, 1000.0))
        self.refresh_every_ms = max(10.0, claim_idle_ms / 3)
        self.in_flight: Dict[Slot, asyncio.Task] = {}
        self.rescued = 0
        self._answer = redis.register_script(scripts.ANSWER)
        # Blocking reads on a connection of their own, so that `stop` can end one at once with
        # CLIENT UNBLOCK (it returns as if it timed out: nothing delivered is lost).
        self._reader = Redis(connection_pool=redis.connection_pool, single_connection_client=True)
        self._reader_id: Optional[int] = None
        self._stopping = asyncio.Event()
        self._loop_task: Optional[asyncio.Task] = None
        self._refresh_task: Optional[asyncio.Task] = None
        self._refresh_failed = False

    # ── answering ───────────────────────────────────────────────────────────

    async def answer(self, stream: str, caller: Caller, reply: Dict[str, Any], entry_id: str, dead_letter: Optional[Tuple[str, str]] = None) -> None:
        """Store the reply in the call's key first, then answer the caller and every waiter,
        then acknowledge: one script. A dead letter goes first: once acknowledged, the request
        is gone from the group."""
        if dead_letter:
            payload, reason = dead_letter
            await self.redis.xadd(self.keys.dead, {"payload": payload, "reason": reason}, maxlen=DEAD_MAX_LEN, approximate=True)
        k = self.keys
        await self._answer(
            keys=[k.call(caller.user, caller.id), k.waiters(caller.user, caller.id), stream, k.reply(caller.reply_to)],
            args=[dumps({"state": "done", "reply": reply}), dumps(reply), entry_id, GROUP, REPLY_MAX_LEN, REPLY_TTL_MS, k.reply("")],
        )

    async def bury(self, stream: str, entry_id: str, payload: str, reason: str, caller: Optional[Caller], error: Dict[str, Any]) -> None:
        """Move an entry to the dead-letter stream, answer its caller if known, acknowledge it."""
        if caller:
            reply = {"id": caller.id, "user": caller.user, **error}
            return await self.answer(stream, caller, reply, entry_id, (payload, reason))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self.keys.dead, {"payload": payload, "reason": reason}, maxlen=DEAD_MAX_LEN, approximate=True)
            pipe.xack(stream, GROUP, entry_id)
            await pipe.execute()

    # ── running one request ─────────────────────────────────────────────────

    async def run_entry(self, stream: str, entry_id: str, fields: Optional[Dict[str, Any]], deliveries: int) -> None:
        payload = _text((fields or {}).get("payload", ""))
        decoded = decode(payload)
        if isinstance(decoded, Undecodable):
            return await self.bury(stream, entry_id, payload, decoded.reason, decoded.caller, error_reply(INVALID_REQUEST, "Invalid request"))
        request = decoded
        caller = Caller(request.id, request.user, request.reply_to)
        if deliveries > self.max_deliveries:
            message = f"Call failed after {deliveries - 1} deliveries"
            return await self.bury(stream, entry_id, payload, message, caller, error_reply(INTERNAL_ERROR, message))
        if request.deadline < now_ms():
            # Not run, but answered like a run: a resend waiting on the call's key must hear something.
            return await self.answer(stream, caller, {"id": request.id, "user": request.user, **deadline_reply()}, entry_id)
        try:
            out = await self.handle(request)
        except Exception:  # handlers should not raise; if one does, its caller still gets an answer
            self.log.exception("handler of %s failed", request.method)
            out = error_reply(INTERNAL_ERROR, "Internal error")
        reply = {**out, "id": request.id, "user": request.user}
        # The call ran: keep trying to deliver its answer while Redis is away (storing it twice
        # is harmless, running the call again is not), until nobody can be waiting any more.
        attempt = 0
        while True:
            try:
                return await self.answer(stream, caller, reply, entry_id)
            except (RedisConnectionError, RedisTimeoutError, OSError):
                if now_ms() > request.deadline + self.claim_idle_ms:
                    raise
                if attempt == 0:
                    self.log.warning("answering %s failed, will retry", request.id, exc_info=True)
                attempt += 1
                await asyncio.sleep(0.1 + random.random() * 0.2)

    def take(self, stream: str, entry_id: str, fields: Optional[Dict[str, Any]], deliveries: int, rescue: bool = False) -> None:
        slot = (stream, entry_id)
        if rescue:
            self.rescued += 1

        async def run() -> None:
            try:
                await self.run_entry(stream, entry_id, fields, deliveries)
            except Exception:
                # Unanswered and unacknowledged: it stays pending and is taken over after claim_idle_ms.
                self.log.exception("consumer %s: call %s left unanswered", self.name, entry_id)
            finally:
                self.in_flight.pop(slot, None)
                if rescue:
                    self.rescued -= 1

        self.in_flight[slot] = asyncio.ensure_future(run())

    # ── leases ──────────────────────────────────────────────────────────────

    async def rescue(self) -> None:
        """Take over calls idle for claim_idle_ms (their worker died). XPENDING + XCLAIM, not
        XAUTOCLAIM, which would hand this worker back the calls it is still running. XCLAIM
        re-checks the idle time, so two rescuers never both get a call. Not limited by free
        slots: abandoned calls go ahead of new ones (up to ``batch`` extra)."""
        room = self.batch - self.rescued
        if room <= 0:
            return
        rows = room + len(self.in_flight)
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream in self.streams:
                pipe.xpending_range(stream, GROUP, min="-", max="+", count=rows, idle=self.claim_idle_ms)
            pending = await pipe.execute()
        claims: List[Tuple[str, Dict[str, int]]] = []
        for stream, rows_of in zip(self.streams, pending):
            candidates = [p for p in rows_of if (stream, _text(p["message_id"])) not in self.in_flight][:room]
            room -= len(candidates)
            if candidates:
                claims.append((stream, {_text(p["message_id"]): int(p["times_delivered"]) for p in candidates}))
        if not claims:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream, delivered in claims:
                pipe.xclaim(stream, GROUP, self.name, self.claim_idle_ms, list(delivered))
            claimed = await pipe.execute()
        # XCLAIM counts one more delivery.
        for (stream, delivered), entries in zip(claims, claimed):
            for entry_id, fields in entries or []:
                entry_id = _text(entry_id)
                self.take(stream, entry_id, fields, delivered.get(entry_id, 0) + 1, rescue=True)

    async def refresh(self) -> None:
        """``XCLAIM … <itself> 0 <ids> JUSTID``: the calls running here stay this worker's and
        their idle time starts over, without counting a delivery."""
        if not self.in_flight:
            return
        by_stream: Dict[str, List[str]] = {}
        for stream, entry_id in list(self.in_flight):
            by_stream.setdefault(stream, []).append(entry_id)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for stream, ids in by_stream.items():
                    pipe.xclaim(stream, GROUP, self.name, 0, ids, justid=True)
                await pipe.execute()
            self._refresh_failed = False
        except Exception:
            if not self._refresh_failed:  # once per outage; the next tick tries again
                self.log.warning("consumer %s: lease refresh failed", self.name, exc_info=True)
            self._refresh_failed = True

    async def _refresher(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_every_ms / 1000)
            await self.refresh()

    # ── the read loop ───────────────────────────────────────────────────────

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=max(0.0, seconds))
        except asyncio.TimeoutError:
            pass

    async def _loop(self) -> None:
        # Rescue at once: a worker that starts is often replacing one that died.
        next_rescue = 0.0
        while not self._stopping.is_set():
            try:
                if now_ms() >= next_rescue:
                    next_rescue = now_ms() + self.rescue_every_ms
                    await self.rescue()
                free = self.batch - len(self.in_flight)
                if free <= 0:
                    waits = [*self.in_flight.values(), asyncio.ensure_future(self._stopping.wait())]
                    done, _ = await asyncio.wait(waits, timeout=max(0.0, (next_rescue - now_ms()) / 1000), return_when=asyncio.FIRST_COMPLETED)
                    waits[-1].cancel()
                    continue
                if self._reader_id is None:
                    self._reader_id = int(await self._reader.client_id())
                if self._stopping.is_set():
                    break
                block = int(min(READ_BLOCK_MAX_MS, max(10, next_rescue - now_ms())))
                read = await self._reader.xreadgroup(GROUP, self.name, {s: ">" for s in self.streams}, count=free, block=block)
                # Taken even when stopping meanwhile: delivered to this worker means answered by it.
                for stream, entries in read or []:
                    for entry_id, fields in entries:
                        self.take(_text(stream), _text(entry_id), fields, 1)
            except asyncio.CancelledError:
                raise
            except ResponseError as error:
                if str(error).startswith("NOGROUP"):
                    # The stream is gone (a Redis restart without persistence): recreate it and its group.
                    try:
                        await ensure_groups(self.redis, self.streams)
                        continue
                    except Exception:
                        pass
                self.log.warning("consumer %s: %s", self.name, error)
                await self._sleep_unless_stopping(0.2 + random.random() * 0.8)
            except Exception as error:
                # Redis went away: the client reconnects on the next command (a new CLIENT ID).
                self._reader_id = None
                self.log.warning("consumer %s: %s", self.name, error)
                await self._sleep_unless_stopping(0.2 + random.random() * 0.8)

    async def start(self) -> None:
        await ensure_groups(self.redis, self.streams)
        self._loop_task = asyncio.ensure_future(self._loop())
        self._refresh_task = asyncio.ensure_future(self._refresher())

    async def stop(self) -> None:
        """Take no new calls; return once the calls already taken are answered (their leases
        are refreshed meanwhile)."""
        self._stopping.set()
        if self._loop_task:
            # Repeated: the UNBLOCK may overtake the read it is meant for.
            give_up = time.monotonic() + 2
            while not self._loop_task.done() and time.monotonic() < give_up:
                if self._reader_id is not None:
                    try:
                        await self.redis.client_unblock(self._reader_id)
                    except Exception:
                        pass
                await asyncio.wait([self._loop_task], timeout=0.05)
            await self._loop_task
            await self._reader.close()
        while self.in_flight:
            await asyncio.gather(*list(self.in_flight.values()), return_exceptions=True)
        if self._refresh_task:
            self._refresh_task.cancel()
            try:
                await self._refresh_task
            except asyncio.CancelledError:
                pass
