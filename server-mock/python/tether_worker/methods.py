"""One method a worker serves, read from its handler's signature: the parameter annotated
with a Pydantic model (or any type Pydantic validates) is the params, the one annotated
``Context`` (or named ``ctx``) the call's context, the return annotation the result."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from .context import Context
from .schemas import TypeCodec

#: What a method without a params parameter is described as: nothing to send.
NO_PARAMS_SCHEMA: Dict[str, Any] = {"type": "object", "properties": {}}


@dataclass
class MethodSpec:
    name: str
    handler: Callable[..., Any]
    description: Optional[str]
    #: Keyword of the params argument, and its codec; None when the handler takes none.
    params_arg: Optional[str]
    params: Optional[TypeCodec]
    #: Keyword of the context argument, if the handler takes one.
    ctx_arg: Optional[str]
    result: TypeCodec
    #: Whether the result is checked against an annotation (else only made JSON).
    result_declared: bool
    is_async: bool

    def describe(self) -> Dict[str, Any]:
        """The method as ``system.describe`` lists it: JSON Schema of params and result."""
        out: Dict[str, Any] = {}
        if self.description:
            out["description"] = self.description
        out["params"] = self.params.json_schema("validation") if self.params else dict(NO_PARAMS_SCHEMA)
        out["result"] = self.result.json_schema("serialization") if self.result_declared else {}
        return out


def _is_context(annotation: Any) -> bool:
    return annotation is Context or (isinstance(annotation, type) and issubclass(annotation, Context))


def method_spec(name: str, handler: Callable[..., Any], description: Optional[str] = None) -> MethodSpec:
    if not name or not isinstance(name, str):
        raise TypeError("a method needs a non-empty name")
    hints = typing.get_type_hints(handler)
    params_arg = ctx_arg = None
    params_type: Any = None
    for p in inspect.signature(handler).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = hints.get(p.name, inspect.Parameter.empty)
        if _is_context(annotation) or (annotation is inspect.Parameter.empty and p.name == "ctx"):
            ctx_arg = p.name
        elif params_arg is None:
            params_arg, params_type = p.name, (Any if annotation is inspect.Parameter.empty else annotation)
        elif p.default is inspect.Parameter.empty:
            raise TypeError(f"{name}: a handler takes its params as one argument (a Pydantic model), and the Context; {p.name} is a third")
    declared = "return" in hints
    doc = inspect.getdoc(handler)
    return MethodSpec(
        name=name,
        handler=handler,
        description=description if description is not None else (doc.strip().splitlines()[0] if doc else None),
        params_arg=params_arg,
        params=TypeCodec(params_type) if params_arg else None,
        ctx_arg=ctx_arg,
        result=TypeCodec(hints["return"] if declared else Any),
        result_declared=declared,
        is_async=inspect.iscoroutinefunction(handler),
    )
