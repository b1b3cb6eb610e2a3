"""Errors a handler raises on purpose, and the JSON-RPC codes the worker answers with."""

from __future__ import annotations

from typing import Any, Optional

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
DEADLINE = -32003

_UNSET: Any = object()


class RpcError(Exception):
    """Raised by a handler: reaches the caller as it is (``code``, ``message``, ``data``)."""

    def __init__(self, code: int, message: str, data: Any = _UNSET) -> None:
        super().__init__(message)
        self.code = int(code)
        self.message = message
        self.data = data

    def to_error(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.data is not _UNSET:
            error["data"] = self.data
        return error


def error_reply(code: int, message: str, data: Any = _UNSET) -> dict:
    return {"error": RpcError(code, message, data).to_error()}


def deadline_reply() -> dict:
    return error_reply(DEADLINE, "Deadline passed before a worker took the call")


def describe_exception(error: BaseException) -> str:
    """The message a caller sees for an unexpected exception: its text, never its traceback."""
    text = str(error)
    return text if text else type(error).__name__


def optional(value: Optional[Any]) -> Any:
    return _UNSET if value is None else value
