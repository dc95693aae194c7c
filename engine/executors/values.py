"""Values of query results as text and JSON: numbers stay numbers, DATETIME as 'yyyy-mm-dd hh:mi:ss'.

Used by the CLI's writers, the scheduler's logs and the app's result grid alike.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def format_value(value: Any, odps_type: str) -> Any:
    """A JSON-ready value: numbers stay numbers, DATETIME as 'yyyy-mm-dd hh:mi:ss'."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, datetime):
        if odps_type == "TIMESTAMP":
            return value.isoformat(sep=" ")
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{value.microsecond // 1000:03d}" if value.microsecond // 1000 else "")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, (list, tuple)):
        inner = odps_type[6:-1] if odps_type.startswith("ARRAY<") else ""
        return [format_value(v, inner) for v in value]
    if isinstance(value, dict):
        return {str(k): format_value(v, "") for k, v in value.items()}
    return str(value)


def to_text(value: Any, odps_type: str) -> str:
    v = format_value(value, odps_type)
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)
