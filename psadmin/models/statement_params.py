"""Turning the parameter values a user typed into the Python values the driver binds.

The driver sends parameters in binary, so ``$1`` of type integer needs an ``int``, not the text
``"42"``. The types come from the server (it describes the prepared statement); the values are
bound, never spliced into the SQL.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

NULL = "NULL"
"""Typed as is (any case, unquoted), a parameter is SQL NULL."""

_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})


class ParameterError(ValueError):
    """A typed value does not fit its parameter's type; the message says which and why."""


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected true or false")


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("expected a number") from None


def _interval(text: str) -> timedelta:
    """Seconds (``90``, ``1.5``) or ``[D days ]HH:MM:SS``."""
    text = text.strip()
    days = 0
    if " day" in text:
        head, _, text = text.partition(" day")
        days = int(head)
        text = text.lstrip("s").strip() or "0"
    if ":" in text:
        parts = [float(p) for p in text.split(":")]
        while len(parts) < 3:
            parts.insert(0, 0.0)
        hours, minutes, seconds = parts
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return timedelta(days=days, seconds=float(text))


def _bytea(text: str) -> bytes:
    text = text.strip()
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    return text.encode()


def _json(text: str) -> str:
    json.loads(text)  # the driver sends it as text; check it now for a clear message
    return text


_SCALARS: dict[str, Callable[[str], Any]] = {
    **dict.fromkeys(("int2", "int4", "int8", "oid", "xid", "xid8", "cid"), lambda t: int(t)),
    **dict.fromkeys(("float4", "float8"), lambda t: float(t)),
    "numeric": _decimal,
    "money": _decimal,
    "bool": _bool,
    **dict.fromkeys(("text", "varchar", "bpchar", "name", "char", "citext", "unknown"), str),
    "uuid": lambda t: uuid.UUID(t.strip()),
    "date": lambda t: date.fromisoformat(t.strip()),
    "timestamp": lambda t: datetime.fromisoformat(t.strip()),
    "timestamptz": lambda t: datetime.fromisoformat(t.strip()).astimezone(),
    "time": lambda t: time.fromisoformat(t.strip()),
    "interval": _interval,
    "bytea": _bytea,
    **dict.fromkeys(("json", "jsonb"), _json),
    "inet": lambda t: ipaddress.ip_interface(t.strip()),
    "cidr": lambda t: ipaddress.ip_network(t.strip()),
}


def _array(text: str, element: str) -> list[Any]:
    """``1,2,3`` or ``{1,2,3}``; elements are converted one by one (no nesting or quoting)."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    if not body.strip():
        return []
    return [_scalar(item.strip(), element) for item in body.split(",")]


def _scalar(text: str, type_name: str) -> Any:
    if text.upper() == NULL:
        return None
    convert = _SCALARS.get(type_name)
    if convert is None:
        return text  # enums, domains over text and the like take their text form
    return convert(text)


def coerce_parameter(position: int, text: str, type_name: str) -> Any:
    """The value to bind for ``$position`` of ``type_name`` (as the server names it, e.g.
    ``int4`` or ``_int4`` for an array); raises ParameterError with a one-line reason."""
    try:
        if text.strip().upper() == NULL:
            return None
        if type_name.startswith("_"):
            return _array(text, type_name[1:])
        return _scalar(text, type_name)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"${position} ({type_name}): {text!r} is not valid: {exc}") from None


def coerce_parameters(texts: list[str] | tuple[str, ...], types: tuple[str, ...]) -> list[Any]:
    if len(texts) != len(types):
        raise ParameterError(f"the statement takes {len(types)} parameters, {len(texts)} given")
    return [
        coerce_parameter(i, text, kind)
        for i, (text, kind) in enumerate(zip(texts, types, strict=True), 1)
    ]
