"""MaxCompute's errors in maxworks' words, and retries that only idempotent calls get.

A statement's failure (the task result of a failed instance) becomes a
:class:`~engine.errors.SqlError` with its ODPS code, a clear message, the user's line and what to
do next. A failing call to the service becomes one of the contract's ``ExecutorError`` classes.
Every message passes through :func:`~engine.executors.credentials.redact` and is raised
``from None``, so neither a secret nor pyodps' traceback travels with it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.errors import MaxworksError, SqlError
from engine.executors.contract import AccessDenied, BackendUnavailable, ExecutorError, NotFound
from engine.executors.credentials import redact

T = TypeVar("T")

NOT_FOUND = "ODPS-0130131"
NO_PERMISSION = "ODPS-0130013"
PARSE_ERROR = "ODPS-0130161"
SEMANTIC = "ODPS-0130071"
_CODE = re.compile(r"(ODPS-\d{7})\s*:?\s*(?:\[(\d+)\s*,\s*(\d+)\])?\s*(.*)", re.DOTALL)
_SQL_CODE = re.compile(r"ODPS-01\d{5}")
_AUTH_CLASSES = {"SignatureNotMatch", "Unauthorized", "AuthorizationRequired", "InvalidParameter"}
_AUTH_TEXT = ("accesskey", "access key", "signature", "ODPS-0410051", "ODPS-0410042")
_TRANSIENT_CLASSES = {
    "InternalServerError", "BadGatewayError", "ServiceUnavailable", "RequestTimeTooSkewed",
    "ConnectTimeout", "InternalConnectionError", "QPSExceeded", "FlowExceeded",
}  # fmt: skip


def statement_error(text: str, *, first_line: int, script_positions: bool = False) -> SqlError:
    """A failed instance's task result as an SqlError on the user's line.

    ``first_line`` is the statement's line in the script; MaxCompute counts lines from the start
    of the text it received (the statement, or the whole script when ``script_positions``).
    """
    text = redact(text.strip())
    m = _CODE.search(text)
    if m is None:
        reason = text.splitlines()[0] if text else "the job failed without a message"
        return SqlError(reason.removeprefix("FAILED: "), line=first_line)
    code, row, col, rest = m.group(1), m.group(2), m.group(3), m.group(4)
    reason = rest.strip().splitlines()[0] if rest.strip() else "failed"
    line = first_line
    if row is not None:
        line = int(row) if script_positions else first_line + int(row) - 1
        reason = f"{reason} (column {col})"
    return SqlError(reason, line=line, code=code, hint=_hint(code, reason))


def _hint(code: str, reason: str) -> str | None:
    lowered = reason.lower()
    if code == NOT_FOUND:
        return "check the table name and its project; `SHOW TABLES;` lists a project's tables"
    if code == NO_PERMISSION:
        return (
            "ask the project owner to grant the privilege named above (in standard mode, "
            "request access to the production table)"
        )
    if code == PARSE_ERROR:
        return "fix the syntax at that line and column"
    if code == SEMANTIC and "full scan" in lowered:
        return "filter on the partition columns, or run `SET odps.sql.allow.fullscan=true;` first"
    if code == SEMANTIC and "order by" in lowered:
        return "add LIMIT n, or run `SET odps.sql.validate.orderby.limit=false;` first"
    return None


def service_error(err: BaseException, *, what: str, endpoint: str) -> MaxworksError:
    """A failing call to MaxCompute (``what`` says which) as one of the contract's errors."""
    if isinstance(err, MaxworksError):
        return err
    name = type(err).__name__
    message = redact(_message(err))
    if is_network_error(err):
        return BackendUnavailable(
            f"cannot reach MaxCompute at {endpoint} ({what}): {message}",
            hint="check [maxcompute] endpoint in maxworks.toml and the network; "
            "`maxworks doctor` checks both",
        )
    code = str(getattr(err, "code", "") or "")
    if name in _AUTH_CLASSES and (
        name != "InvalidParameter" or any(t.lower() in message.lower() for t in _AUTH_TEXT)
    ):
        return AccessDenied(
            f"MaxCompute rejected the AccessKey ({what}): {message}",
            hint="check the identity's AccessKey ID and secret (`maxworks doctor` says which "
            "identity and where its key comes from)",
        )
    if name == "NoPermission" or code.startswith(NO_PERMISSION):
        return AccessDenied(
            f"no permission ({what}): {message}",
            hint="ask the project owner to grant it to this identity",
        )
    if name in ("NoSuchProject", "NoSuchTable", "NoSuchObject", "NoSuchPartition"):
        return NotFound(f"{what}: {message}")
    return ExecutorError(f"MaxCompute failed ({what}): {message}")


def sql_rejection(err: BaseException) -> str | None:
    """The message of a submission MaxCompute refused because of the SQL itself (ODPS-01xxxxx)."""
    message = redact(_message(err))
    return message if _SQL_CODE.search(message) else None


def _message(err: BaseException) -> str:
    args = getattr(err, "args", ())
    text = str(args[0]) if args and isinstance(args[0], str) else str(err)
    code = str(getattr(err, "code", "") or "")
    if code and code not in text:
        text = f"{code}: {text}"
    return " ".join(text.split())[:500] or type(err).__name__


def is_network_error(err: BaseException) -> bool:
    import requests

    return isinstance(
        err, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError)
    )


def never_sent(err: BaseException) -> bool:
    """True when the request certainly did not reach the service (refused, no such host)."""
    import requests
    import urllib3.exceptions as u3

    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = err.args[0] if err.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (u3.NewConnectionError, u3.ConnectTimeoutError))


def is_transient(err: BaseException) -> bool:
    if is_network_error(err):
        return True
    status = getattr(err, "status_code", None)
    return type(err).__name__ in _TRANSIENT_CLASSES or status in (500, 502, 503, 504)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for idempotent calls (reads and polls). Submissions are never retried."""

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 8.0


def idempotent(
    call: Callable[[], T],
    *,
    what: str,
    endpoint: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``, retried with exponential backoff on transient errors; others raise mapped."""
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except MaxworksError:
            raise
        except Exception as err:
            if attempt == policy.attempts or not is_transient(err):
                raise service_error(err, what=what, endpoint=endpoint) from None
        sleep(delay)
        delay = min(delay * 2, policy.max_delay)
    raise AssertionError("unreachable")  # pragma: no cover


def attr(obj: Any, name: str) -> Any:
    """A pyodps model attribute as loaded, without triggering a lazy (per-object) HTTP load."""
    getter = getattr(obj, "_getattr", None)
    return getter(name) if getter is not None else getattr(obj, name, None)
