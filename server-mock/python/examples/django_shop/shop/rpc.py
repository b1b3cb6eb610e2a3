"""The shop's RPC methods: Pydantic models in, Pydantic models out. Sync handlers run in a
thread, so they may use the ORM as views do."""

from __future__ import annotations

from typing import List

from pydantic import BaseModel, Field

from tether_worker import Context, RpcError, Worker

worker = Worker()


class QuoteRequest(BaseModel):
    skus: List[str] = Field(min_items=1)
    coupon: str = ""


class Quote(BaseModel):
    total: float
    currency: str = "EUR"


PRICES = {"A1": 9.5, "B2": 20.0}


@worker.method("shop.quote")
def quote(params: QuoteRequest, ctx: Context) -> Quote:
    """Price a basket."""
    unknown = [s for s in params.skus if s not in PRICES]
    if unknown:
        raise RpcError(404, "Unknown product", {"skus": unknown})
    total = sum(PRICES[s] for s in params.skus)
    ctx.notify(ctx.user, "quote.ready", {"total": total})  # blocks here: this handler runs in a thread
    return Quote(total=total * (0.9 if params.coupon == "TEN" else 1))
