"""Masking methods (Data Security Guard's dynamic masking): the stored data never changes; what a
user without clearance sees in query results, previews and exports does.

Method specs: ``hash`` (salted SHA-256, first 16 hex digits: equal values stay joinable),
``partial:F:L`` (keep the first F and last L characters, ``*`` for the rest, e.g. 138****8888),
``replace`` / ``replace:TEXT`` (a constant, default ``***``), ``null``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from engine.errors import MaxworksError

Masker = Callable[[Any], Any]


def parse_method(spec: str, salt: str) -> Masker:
    kind, _, rest = spec.partition(":")
    if kind == "hash":

        def _hash(value: Any) -> Any:
            if value is None:
                return None
            return hashlib.sha256((salt + str(value)).encode()).hexdigest()[:16]

        return _hash
    if kind == "partial":
        first_s, _, last_s = rest.partition(":")
        try:
            first, last = int(first_s or 0), int(last_s or 0)
        except ValueError:
            raise MaxworksError(f"masking method {spec!r}: expected partial:FIRST:LAST") from None
        if first < 0 or last < 0:
            raise MaxworksError(f"masking method {spec!r}: counts must not be negative")

        def _partial(value: Any) -> Any:
            if value is None:
                return None
            text = str(value)
            n = len(text)
            if first + last >= n:  # too short to keep anything and still hide something
                return "*" * n
            return text[:first] + "*" * (n - first - last) + (text[n - last :] if last else "")

        return _partial
    if kind == "replace":
        constant = rest or "***"
        return lambda value: None if value is None else constant
    if kind == "null":
        return lambda value: None
    raise MaxworksError(
        f"unknown masking method {spec!r}", hint="use hash, partial:F:L, replace[:TEXT] or null"
    )


FULL_MASK = "replace"  # for columns whose origin cannot be traced: fail closed
