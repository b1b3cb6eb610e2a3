"""Publishing from a handler (ctx.notify, ctx.to_room, ctx.broadcast) and from code outside a
call (tether_worker.notify, to_room, broadcast): stored in the target's history with an epoch,
and published live, in the Node broker's shapes."""

from __future__ import annotations

import asyncio
import json
import re

import redis

import tether_worker
from tether_worker import Context, Worker
from tether_worker.keys import key_part


def listen(url: str, channel: str):
    sub = redis.Redis.from_url(url, decode_responses=True).pubsub()
    sub.subscribe(channel)
    assert sub.get_message(timeout=1)["type"] == "subscribe"
    return sub


def test_module_level_functions_store_and_publish(redis_url, prefix):
    tether_worker.configure(redis_url, prefix=prefix)
    sub = listen(redis_url, f"{prefix}ev:user:{key_part('alice')}")
    event = tether_worker.notify("alice", "order.shipped", {"id": 7}, "Shipped")
    assert re.fullmatch(r"[\w-]+:\d+-\d+", event["offset"])
    assert event["type"] == "order.shipped" and event["data"] == {"id": 7} and event["message"] == "Shipped"
    live = json.loads(sub.get_message(timeout=2)["data"])
    assert live == {"kind": "event", "target": {"kind": "user", "user": "alice"}, "event": event}
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    epoch, entry_id = event["offset"].split(":")
    assert r.hget(f"{prefix}meta:user:{key_part('alice')}", "epoch") == epoch
    [(stored_id, fields)] = r.xrange(f"{prefix}hist:user:{key_part('alice')}")
    assert stored_id == entry_id and json.loads(fields["payload"])["ts"] == event["ts"]

    second = tether_worker.to_room("game 1", "move", {"x": 1})
    assert second["event"] == "move" and r.xlen(f"{prefix}hist:room:{key_part('game 1')}") == 1
    third = tether_worker.broadcast("maintenance", message="at noon")
    assert third == {"type": "maintenance", "message": "at noon", "ts": third["ts"], "offset": third["offset"]}
    # One epoch per target, kept across publishes.
    assert tether_worker.notify("alice", "again")["offset"].split(":")[0] == epoch


def test_a_handler_publishes_through_its_context_async_or_sync(redis_url, prefix, gateway):
    w = Worker(redis_url, prefix=prefix)

    @w.method("chat.say")
    async def say(params: dict, ctx: Context) -> dict:
        event = await ctx.to_room(params["room"], "said", {"by": ctx.user})
        await ctx.notify(ctx.user, "said.ok")
        return {"offset": event["offset"]}

    @w.method("chat.shout")
    def shout(ctx: Context) -> dict:
        # A sync handler runs in a thread: the context's functions block there.
        event = ctx.broadcast("shout", {"by": ctx.user})
        return {"offset": event["offset"]}

    def check():
        gateway.submit(gateway.request("chat.say", {"room": "lobby"}))
        gateway.submit(gateway.request("chat.shout"))
        replies = gateway.replies(count=2)
        assert all("result" in r for r in replies), replies
        assert gateway.r.xlen(f"{prefix}hist:room:{key_part('lobby')}") == 1
        assert gateway.r.xlen(f"{prefix}hist:user:{key_part('u1')}") == 1
        assert gateway.r.xlen(f"{prefix}hist:broadcast") == 1

    async def go():
        await w.start()
        try:
            await asyncio.get_running_loop().run_in_executor(None, check)
        finally:
            await w.stop()

    asyncio.run(go())
