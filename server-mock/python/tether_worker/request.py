"""A call request as it arrives on a method's stream (the Node broker's ``CallRequest``),
checked before anything trusts it, and who to answer when it cannot be run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Union


@dataclass(frozen=True)
class CallRequest:
    id: str
    method: str
    params: Any
    user: str
    conn: str
    gateway: str
    reply_to: str
    deadline: float


@dataclass(frozen=True)
class Caller:
    id: str
    user: str
    reply_to: str


@dataclass(frozen=True)
class Undecodable:
    reason: str
    caller: Optional[Caller] = None


def _problems(json_value: dict) -> list:
    problems = []
    call_id = json_value.get("id")
    if not isinstance(call_id, str) or not 1 <= len(call_id) <= 128:
        problems.append("id must be a string of 1-128 characters")
    method = json_value.get("method")
    if not isinstance(method, str) or not method:
        problems.append("method must be a non-empty string")
    for name in ("user", "conn", "gateway", "replyTo"):
        if not isinstance(json_value.get(name), str):
            problems.append(f"{name} must be a string")
    deadline = json_value.get("deadline")
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
        problems.append("deadline must be a number")
    return problems


def decode(payload: str) -> Union[CallRequest, Undecodable]:
    try:
        value = json.loads(payload)
    except ValueError:
        return Undecodable("payload is not JSON")
    if not isinstance(value, dict):
        return Undecodable("invalid request: (root) must be an object")
    problems = _problems(value)
    if not problems:
        return CallRequest(
            id=value["id"],
            method=value["method"],
            params=value.get("params"),
            user=value["user"],
            conn=value["conn"],
            gateway=value["gateway"],
            reply_to=value["replyTo"],
            deadline=value["deadline"],
        )
    reason = "invalid request: " + "; ".join(problems)
    call_id, user, reply_to = value.get("id"), value.get("user"), value.get("replyTo")
    if isinstance(call_id, str) and isinstance(user, str) and isinstance(reply_to, str):
        return Undecodable(reason, Caller(call_id, user, reply_to))
    return Undecodable(reason)
