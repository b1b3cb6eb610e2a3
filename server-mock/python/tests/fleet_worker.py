"""The Python half of the mixed-fleet tests (fleet.test.ts): ``fleet.work`` records each run
in Redis (who ran it, how often) and then takes ``ms``, so a test can kill the worker that
holds a call and see who finishes it. fleet-methods.ts is the Node half, the same method."""

from __future__ import annotations

import asyncio
import os

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from tether_worker import Context, Worker

worker = Worker()
_redis = {}


class Work(BaseModel):
    ms: int = Field(ge=0, le=60_000)


class Done(BaseModel):
    by: str
    worker: str


@worker.method("fleet.work")
async def work(params: Work, ctx: Context) -> Done:
    """Record the run, then take ``ms``."""
    r = _redis.get("r")
    if r is None:
        r = _redis["r"] = Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    prefix = os.environ["PREFIX"]
    await r.rpush(f"{prefix}fleet:by:{ctx.call_id}", ctx.worker)
    await asyncio.sleep(params.ms / 1000)
    return Done(by="python", worker=ctx.worker)
