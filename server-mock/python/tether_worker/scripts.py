"""The Lua scripts of the contract, shipped in ``lua/`` as copies of the Node broker's text
(a test in the repository fails when they differ), so both workers do the same steps."""

from __future__ import annotations

from importlib import resources


def lua(name: str) -> str:
    return resources.files(__package__).joinpath("lua", name).read_text(encoding="utf-8")


#: Store the reply, answer the caller and every waiter, drop the waiters, XACK: one step.
ANSWER = lua("answer.lua")
#: Announce methods with a lease on the Redis clock.
ADVERTISE = lua("advertise.lua")
#: Append to a target's history (epochs, trimming) and publish the live message: one step.
PUBLISH = lua("publish.lua")
