"""The worker's side of the Redis contract, on a real Redis, with the gateway's side done by
hand (conftest.FakeGateway): each step docs/redis-contract.md lists for a worker."""

from __future__ import annotations

import asyncio
import json
import time

import redis

from tether_worker import Context, Worker
from tether_worker.keys import GROUP, key_part


def make_worker(url: str, prefix: str, **options) -> Worker:
    w = Worker(url, prefix=prefix, **options)
    w.runs = []  # type: ignore[attr-defined]

    @w.method("echo")
    async def echo(params: dict, ctx: Context) -> dict:
        w.runs.append(ctx.call_id)  # type: ignore[attr-defined]
        if params.get("sleep"):
            await asyncio.sleep(params["sleep"])
        return {"echo": params, "by": ctx.worker}

    return w


async def serve(w: Worker, during) -> None:
    """Run ``during`` (a blocking function) in a thread while the worker serves."""
    await w.start()
    try:
        await asyncio.get_running_loop().run_in_executor(None, during)
    finally:
        await w.stop()


def test_runs_a_call_stores_the_reply_then_answers_and_acknowledges(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix, name="py1")
    req = gateway.request("echo", {"n": 1})

    def check():
        gateway.submit(req)
        [reply] = gateway.replies()
        assert reply == {"result": {"echo": {"n": 1}, "by": "py1"}, "id": req["id"], "user": "u1"}
        assert gateway.stored(req) == {"state": "done", "reply": reply}
        stream = gateway.keys.rpc("echo")
        assert gateway.r.xpending(stream, GROUP)["pending"] == 0
        # The reply stream expires if its gateway never reads it.
        assert 0 < gateway.r.pttl(gateway.keys.reply("g1")) <= 24 * 3600 * 1000

    asyncio.run(serve(w, check))


def test_streams_are_per_method_with_the_method_as_a_key_part(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix)

    def check():
        assert gateway.r.exists(f"{prefix}rpc:{key_part('echo')}") == 1
        assert f"{prefix}rpc:4:echo" == gateway.keys.rpc("echo")

    asyncio.run(serve(w, check))


def test_skips_a_call_past_its_deadline_answering_32003_to_every_waiter(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix)
    req = gateway.request("echo", {"n": 1}, deadline_ms=-1)

    def check():
        gateway.join(req, "g2")
        gateway.submit(req)
        skipped = {"id": req["id"], "user": "u1", "error": {"code": -32003, "message": "Deadline passed before a worker took the call"}}
        assert gateway.replies() == [skipped]
        assert gateway.replies("g2") == [skipped]
        assert gateway.stored(req) == {"state": "done", "reply": skipped}

    asyncio.run(serve(w, check))
    assert w.runs == []  # type: ignore[attr-defined]


def test_answers_every_waiter_and_drops_the_waiters_set(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix)
    req = gateway.request("echo", {"sleep": 0.3})

    def check():
        gateway.submit(req)
        time.sleep(0.1)
        gateway.join(req, "g2")  # a resend on another gateway while the call runs
        [a] = gateway.replies()
        [b] = gateway.replies("g2")
        assert a == b and a["result"]["echo"] == {"sleep": 0.3}
        assert gateway.r.exists(gateway.keys.waiters("u1", req["id"])) == 0

    asyncio.run(serve(w, check))
    assert w.runs == [req["id"]]  # type: ignore[attr-defined]


def test_keeps_the_lease_of_a_call_longer_than_claim_idle(redis_url, prefix, gateway):
    a = make_worker(redis_url, prefix, name="a", claim_idle_ms=150)
    b = make_worker(redis_url, prefix, name="b", claim_idle_ms=150)
    req = gateway.request("echo", {"sleep": 0.8})

    async def both():
        await b.start()
        try:
            await serve(a, check)
        finally:
            await b.stop()

    def check():
        gateway.submit(req)
        gateway.replies(timeout=5)
        time.sleep(0.3)
        assert len(gateway.replies()) == 1

    asyncio.run(both())
    assert a.runs + b.runs == [req["id"]]  # type: ignore[attr-defined]


def test_takes_over_a_call_whose_worker_died(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix, name="rescuer", claim_idle_ms=300)
    req = gateway.request("echo", {"n": 2})
    stream = gateway.keys.rpc("echo")
    gateway.r.xgroup_create(stream, GROUP, id="0", mkstream=True)
    gateway.submit(req)
    # A worker takes the call and dies: it stays pending under its name.
    assert gateway.r.xreadgroup(GROUP, "dead", {stream: ">"}, count=1)
    died = time.time()

    def check():
        [reply] = gateway.replies(timeout=5)
        assert reply["result"] == {"echo": {"n": 2}, "by": "rescuer"}
        # Noticed within about 1.5 × claim_idle_ms (plus scheduling slack).
        assert time.time() - died < 0.3 * 1.5 + 0.5

    asyncio.run(serve(w, check))


def test_dead_letters_a_call_delivered_too_often_and_answers_32603(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix, name="last", claim_idle_ms=100, max_deliveries=2)
    req = gateway.request("echo", {"n": 3})
    stream = gateway.keys.rpc("echo")
    gateway.r.xgroup_create(stream, GROUP, id="0", mkstream=True)
    gateway.submit(req)
    [[_, [(entry_id, _)]]] = gateway.r.xreadgroup(GROUP, "d1", {stream: ">"}, count=1)  # delivery 1
    gateway.r.xclaim(stream, GROUP, "d2", 0, [entry_id])  # delivery 2; then d2 dies too

    def check():
        [reply] = gateway.replies(timeout=5)
        assert reply["error"] == {"code": -32603, "message": "Call failed after 2 deliveries"}
        [(_, dead)] = gateway.r.xrange(gateway.keys.dead)
        assert json.loads(dead["payload"])["id"] == req["id"]
        assert dead["reason"] == "Call failed after 2 deliveries"
        assert gateway.r.xpending(stream, GROUP)["pending"] == 0

    asyncio.run(serve(w, check))
    assert w.runs == []  # type: ignore[attr-defined]


def test_dead_letters_a_malformed_request_answering_its_caller_when_known(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix)
    req = gateway.request("echo")
    broken = dict(req, deadline="soon")

    def check():
        gateway.submit(req, payload=json.dumps(broken))
        [reply] = gateway.replies()
        assert reply == {"id": req["id"], "user": "u1", "error": {"code": -32600, "message": "Invalid request"}}
        [(_, dead)] = gateway.r.xrange(gateway.keys.dead)
        assert "deadline" in dead["reason"]

    asyncio.run(serve(w, check))


def test_stop_finishes_the_calls_taken_then_takes_no_more(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix, name="leaving")
    first = gateway.request("echo", {"sleep": 0.4})

    async def go():
        await w.start()
        gateway.submit(first)
        for _ in range(100):
            if w.runs:  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.01)
        await w.stop()
        assert [r["id"] for r in gateway.replies()] == [first["id"]]
        later = gateway.request("echo", {"n": 9})
        gateway.submit(later)
        await asyncio.sleep(0.3)
        assert len(gateway.replies()) == 1
        assert w.runs == [first["id"]]  # type: ignore[attr-defined]

    asyncio.run(go())


def test_announces_its_methods_with_a_lease_and_withdraws_them_on_stop(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix, name="announcer")

    def check():
        member = f"{key_part('echo')}announcer"
        assert gateway.r.zscore(f"{prefix}serving", member) > time.time() * 1000
        description = json.loads(gateway.r.hget(f"{prefix}methods", "echo"))
        assert description["params"]["type"] == "object"

    asyncio.run(serve(w, check))
    assert gateway.r.zscore(f"{prefix}serving", f"{key_part('echo')}announcer") is None


def test_recreates_its_group_when_the_stream_disappears(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix)

    def check():
        gateway.r.delete(gateway.keys.rpc("echo"))  # as after a Redis restart without persistence
        time.sleep(1.5)
        req = gateway.request("echo", {"n": 4})
        gateway.submit(req)
        assert gateway.replies(timeout=5)[0]["result"]["echo"] == {"n": 4}

    asyncio.run(serve(w, check))


def test_only_reads_the_streams_of_its_own_methods(redis_url, prefix, gateway):
    w = make_worker(redis_url, prefix)
    other = gateway.request("other.method")

    def check():
        gateway.submit(other)
        time.sleep(0.3)
        assert gateway.r.xlen(gateway.keys.reply("g1")) == 0

    asyncio.run(serve(w, check))
    assert redis.Redis.from_url(redis_url).xlen(f"{prefix}rpc:{key_part('other.method')}") == 1
