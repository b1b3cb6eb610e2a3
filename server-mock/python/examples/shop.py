"""An example worker: the README's orders, with the kinds of models a Django app has (nested
models, enums, optional fields, lists, unions). The browser tests call it through the
contract ``tether-codegen`` generates from it (shop.contract.ts beside this file).

Run it: ``REDIS_URL=redis://127.0.0.1:6379 python3 -m tether_worker examples.shop``
(from server-mock/python)."""

from __future__ import annotations

import asyncio
import time
from enum import Enum
from typing import Dict, List, Optional, Union

from pydantic import BaseModel, Field

from tether_worker import Context, RpcError, Worker

worker = Worker()


class Priority(str, Enum):
    normal = "normal"
    express = "express"


class Address(BaseModel):
    street: str
    city: str
    zip: Optional[str] = None


class CreateOrder(BaseModel):
    sku: str = Field(min_length=1)
    qty: int = Field(gt=0)
    priority: Priority = Priority.normal
    ship_to: Optional[Address] = None
    gift_note: Union[str, None] = None
    #: Take this long first (tests use it to act while the call runs).
    delay_ms: int = Field(0, ge=0, le=10_000)


class Line(BaseModel):
    sku: str
    qty: int


class Order(BaseModel):
    id: str
    total: float
    priority: Priority
    lines: List[Line]
    ship_to: Optional[Address] = None


class Stock(BaseModel):
    sku: str
    available: Union[int, str]


# In memory for the example; a real worker keys its writes on ctx.call_id in its database.
orders_by_call: Dict[str, Order] = {}
runs = {"orders.create": 0}


@worker.method("orders.create")
async def create_order(params: CreateOrder, ctx: Context) -> Order:
    """Create an order; notifies the caller when it is created."""
    runs["orders.create"] += 1
    if params.delay_ms:
        await asyncio.sleep(params.delay_ms / 1000)
    if params.qty > 100:
        raise RpcError(409, "Not enough stock", {"available": 100})
    key = f"{ctx.user}\0{ctx.call_id}"  # idempotent on call_id
    order = orders_by_call.get(key)
    if order is None:
        order = Order(id=f"o{len(orders_by_call) + 1}", total=params.qty * 9.5, priority=params.priority, lines=[Line(sku=params.sku, qty=params.qty)], ship_to=params.ship_to)
        orders_by_call[key] = order
    await ctx.notify(ctx.user, "order.created", {"id": order.id}, f"Order {order.id} created")
    return order


@worker.method("orders.list")
def list_orders(ctx: Context) -> List[Order]:
    """The orders made so far (a sync handler: it runs in a thread)."""
    time.sleep(0.01)
    return list(orders_by_call.values())


@worker.method("stock.get")
def stock(params: Line) -> Stock:
    """Stock of a product: a number, or "unknown"."""
    return Stock(sku=params.sku, available=100 if params.sku.startswith("A") else "unknown")


@worker.method("orders.runs")
async def order_runs() -> Dict[str, int]:
    """How many times orders.create ran in this process."""
    return {"runs": runs["orders.create"]}


@worker.method("demo.crash")
async def crash() -> None:
    """Raises an unexpected exception (becomes -32603 with its message)."""
    raise ValueError("Something broke in the handler")
