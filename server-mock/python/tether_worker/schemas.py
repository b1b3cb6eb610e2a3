"""Params and results through Pydantic, 1.10 or 2.x: validate a value against a handler's
annotation, turn a result into JSON data, give a type's JSON Schema, and report validation
failures as the wire's issues, ``[{"path": [...], "message": ...}]`` (the Node worker's shape)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pydantic

PYDANTIC_2 = pydantic.VERSION.startswith("2.")

Issues = List[Dict[str, Any]]


class Invalid(Exception):
    """A value did not match its type; ``issues`` says where and what."""

    def __init__(self, issues: Issues) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, i['path'])) or '(root)'}: {i['message']}" for i in issues))
        self.issues = issues


def _issues(error: Any, strip_root: bool) -> Issues:
    out: Issues = []
    for e in error.errors():
        path = list(e.get("loc", ()))
        # Pydantic 1 wraps a bare type in a model whose one field is `__root__`.
        if strip_root and path and path[0] == "__root__":
            path = path[1:]
        out.append({"path": [p if isinstance(p, (int, str)) else str(p) for p in path], "message": str(e.get("msg", "invalid"))})
    return out


class TypeCodec:
    """One annotated type: validate, dump to JSON data, describe as JSON Schema."""

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        if PYDANTIC_2:
            self._adapter = pydantic.TypeAdapter(tp)

    def validate(self, value: Any) -> Any:
        try:
            if PYDANTIC_2:
                return self._adapter.validate_python(value)
            return pydantic.parse_obj_as(self.tp, value)
        except pydantic.ValidationError as error:
            raise Invalid(_issues(error, strip_root=not PYDANTIC_2)) from None

    def dump(self, value: Any) -> Any:
        """JSON data (dicts, lists, strings, numbers) of a validated value."""
        if PYDANTIC_2:
            return self._adapter.dump_python(value, mode="json")
        from pydantic.json import pydantic_encoder

        def encode(o: Any) -> Any:
            # Pydantic 1 describes an Optional field as one that may be absent, not as nullable:
            # leave out the Nones so that results match the schema they announce.
            if isinstance(o, pydantic.BaseModel):
                return o.dict(exclude_none=True)
            return pydantic_encoder(o)

        return json.loads(json.dumps(value, default=encode))

    def json_schema(self, mode: str) -> Dict[str, Any]:
        """``mode``: "validation" for params (what a caller may send), "serialization" for results."""
        if PYDANTIC_2:
            return self._adapter.json_schema(mode=mode)
        if isinstance(self.tp, type) and issubclass(self.tp, pydantic.BaseModel):
            return self.tp.schema()
        schema = pydantic.schema_of(self.tp)
        # Named after Pydantic 1's wrapper model, which means nothing to a caller.
        if str(schema.get("title", "")).startswith("ParsingModel["):
            del schema["title"]
        return schema


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)
