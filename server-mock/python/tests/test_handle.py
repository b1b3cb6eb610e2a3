"""One call through ``Worker.handle``, without Redis: params and results through Pydantic,
errors as the Node worker answers them."""

from __future__ import annotations

import asyncio
import logging
import threading
from enum import Enum
from typing import List, Optional

import pytest
from pydantic import BaseModel, Field

from tether_worker import Context, RpcError, Worker
from tether_worker.request import CallRequest


class Item(BaseModel):
    name: str
    qty: int = Field(gt=0)


class Basket(BaseModel):
    items: List[Item]
    note: Optional[str] = None


class Colour(str, Enum):
    red = "red"
    blue = "blue"


class Paint(BaseModel):
    colour: Colour
    litres: float = 1.0


def request(method: str, params=None) -> CallRequest:
    return CallRequest(id="c1", method=method, params=params, user="alice", conn="k1", gateway="g1", reply_to="g1", deadline=9e15)


def handle(worker: Worker, method: str, params=None):
    return asyncio.run(worker.handle(request(method, params)))


@pytest.fixture
def worker() -> Worker:
    w = Worker()

    @w.method("basket.total")
    async def total(params: Basket, ctx: Context) -> int:
        assert ctx.user == "alice" and ctx.call_id == "c1"
        return sum(i.qty for i in params.items)

    @w.method("paint.mix")
    def mix(params: Paint) -> Paint:
        return params

    @w.method("fail.app")
    async def app_error() -> None:
        raise RpcError(409, "Not enough stock", {"available": 3})

    @w.method("fail.crash")
    async def crash() -> None:
        raise KeyError("boom")

    @w.method("fail.result")
    async def bad_result() -> Item:
        return {"name": "x", "qty": -1}  # type: ignore[return-value]

    @w.method("thread.where")
    def where(ctx: Context) -> dict:
        return {"thread": threading.get_ident()}

    return w


def test_valid_params_reach_the_handler_as_the_model(worker):
    assert handle(worker, "basket.total", {"items": [{"name": "a", "qty": 2}, {"name": "b", "qty": 3}]}) == {"result": 5}


def test_invalid_params_answer_32602_with_the_issues_in_the_node_shape(worker):
    reply = handle(worker, "basket.total", {"items": [{"name": "a", "qty": 0}, {"qty": 1}]})
    error = reply["error"]
    assert error["code"] == -32602 and error["message"] == "Invalid params"
    paths = sorted(tuple(i["path"]) for i in error["data"]["issues"])
    assert paths == [("items", 0, "qty"), ("items", 1, "name")]
    assert all(isinstance(i["message"], str) and i["message"] for i in error["data"]["issues"])


def test_missing_params_are_an_empty_object_for_a_model(worker):
    reply = handle(worker, "basket.total")
    assert reply["error"]["code"] == -32602
    assert reply["error"]["data"]["issues"][0]["path"] == ["items"]


def test_enums_and_defaults_are_validated_and_serialized(worker):
    assert handle(worker, "paint.mix", {"colour": "red"}) == {"result": {"colour": "red", "litres": 1.0}}
    assert handle(worker, "paint.mix", {"colour": "green"})["error"]["data"]["issues"][0]["path"] == ["colour"]


def test_an_rpc_error_reaches_the_caller_as_it_is(worker):
    assert handle(worker, "fail.app") == {"error": {"code": 409, "message": "Not enough stock", "data": {"available": 3}}}


def test_any_other_exception_is_32603_with_its_message_and_the_traceback_only_in_the_log(worker, caplog):
    with caplog.at_level(logging.ERROR, logger="tether_worker"):
        reply = handle(worker, "fail.crash")
    assert reply == {"error": {"code": -32603, "message": "'boom'"}}
    assert "Traceback" in caplog.text and "KeyError" in caplog.text


def test_an_invalid_result_is_32603_invalid_result(worker):
    reply = handle(worker, "fail.result")
    assert reply["error"]["code"] == -32603 and reply["error"]["message"] == "Invalid result"
    assert reply["error"]["data"]["issues"][0]["path"] == ["qty"]


def test_sync_handlers_run_in_a_thread(worker):
    async def go():
        worker._executor = None  # the loop's default pool
        reply = await worker.handle(request("thread.where"))
        return reply["result"]["thread"], threading.get_ident()

    handler_thread, loop_thread = asyncio.run(go())
    assert handler_thread != loop_thread


def test_unknown_method_is_32601(worker):
    assert handle(worker, "nope")["error"]["code"] == -32601


def test_describe_gives_json_schemas_of_params_and_results(worker):
    d = worker.describe()
    assert set(d) == {"basket.total", "paint.mix", "fail.app", "fail.crash", "fail.result", "thread.where"}
    params = d["basket.total"]["params"]
    assert params["type"] == "object" and params["required"] == ["items"]
    assert d["basket.total"]["result"]["type"] == "integer"
    assert d["fail.app"]["params"] == {"type": "object", "properties": {}}
    assert "colour" in d["paint.mix"]["params"]["properties"]


def test_a_handler_with_two_params_arguments_is_refused():
    w = Worker()
    with pytest.raises(TypeError):

        @w.method("x")
        def two(a: Item, b: Item) -> None: ...


def test_a_method_registered_twice_is_refused():
    w = Worker()
    w.add("x", lambda: None)
    with pytest.raises(ValueError):
        w.add("x", lambda: None)
