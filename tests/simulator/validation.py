"""Strict request-body checking: documented JSON types only, unknown keys rejected.

A schema is a dict: key -> Field. Nested objects use Field(kind=dict, schema={...}).
Booleans are checked before integers because in Python bool is a subclass of int, and the
real services do not accept true where a number is documented.
"""

from dataclasses import dataclass, field
from typing import Optional


class BodyError(Exception):
    """A body does not match its schema; the message names the offending key."""


@dataclass(frozen=True)
class Field:
    kind: type
    required: bool = False
    schema: Optional[dict] = None
    item: Optional[type] = None
    choices: tuple = field(default_factory=tuple)


_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", dict: "object", list: "array", float: "number"}


def _type_ok(value, kind):
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check_value(path, value, spec):
    if not _type_ok(value, spec.kind):
        raise BodyError("%s must be of type %s" % (path, _TYPE_NAMES[spec.kind]))
    if spec.choices and value not in spec.choices:
        raise BodyError("%s must be one of %s" % (path, ", ".join(str(choice) for choice in spec.choices)))
    if spec.kind is dict and spec.schema is not None:
        check(value, spec.schema, path + ".")
    if spec.kind is list and spec.item is not None:
        for index, item in enumerate(value):
            if not _type_ok(item, spec.item):
                raise BodyError("%s[%d] must be of type %s" % (path, index, _TYPE_NAMES[spec.item]))


def check(body, schema, prefix=""):
    """Raise BodyError when body does not match schema."""
    if not isinstance(body, dict):
        raise BodyError("%s must be a JSON object" % (prefix.rstrip(".") or "the request body"))
    for key in body:
        if key not in schema:
            raise BodyError("unknown parameter %s%s" % (prefix, key))
    for key, spec in schema.items():
        if key not in body or body[key] is None:
            if spec.required:
                raise BodyError("%s%s is required" % (prefix, key))
            continue
        _check_value(prefix + key, body[key], spec)
