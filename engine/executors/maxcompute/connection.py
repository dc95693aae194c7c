"""The pyodps entry object for one identity, built lazily (pyodps is imported only here and on use).

The AccessKey secret is handed to pyodps through an account whose ``secret_access_key`` reads the
:class:`~engine.executors.credentials.Secret` at signing time, so it never sits in a pyodps
object's ``__dict__`` (nor in a repr, a pickle or a traceback's locals).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from engine.executors.credentials import Credential, redact
from engine.executors.maxcompute_config import MaxComputeConfig

CONNECT_TIMEOUT = 20  # seconds


@functools.cache
def _account_class() -> type[Any]:
    from odps.accounts import CloudAccount

    class MaxworksAccount(CloudAccount):  # type: ignore[misc]
        """CloudAccount signing with a Secret; the plain secret exists only while signing."""

        def __init__(self, credential: Credential) -> None:
            self._credential = credential
            super().__init__(credential.access_key_id, None)

        @property
        def secret_access_key(self) -> str:
            return self._credential.secret.reveal()

        @secret_access_key.setter
        def secret_access_key(self, value: object) -> None:
            pass  # pyodps' constructor assigns it; the Secret stays the only copy

        def __getstate__(self) -> dict[str, Any]:
            raise TypeError("a maxworks AccessKey account cannot be pickled")

        def __repr__(self) -> str:
            return (
                f"<MaxCompute account {self._credential.masked_id} ({self._credential.identity})>"
            )

    return MaxworksAccount


class RedactingFilter(logging.Filter):
    """Scrubs loaded secrets from pyodps' log records (at DEBUG it logs whole responses)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = RedactingFilter()


def guard_logs() -> None:
    """Attach the filter to every pyodps logger (a filter on a logger skips its children)."""
    manager = logging.Logger.manager
    for name in list(manager.loggerDict):
        if name == "odps" or name.startswith("odps."):
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)


def make_account(credential: Credential) -> Any:
    return _account_class()(credential)


def connect(config: MaxComputeConfig, credential: Credential, project: str) -> Any:
    """An ``odps.ODPS`` entry for ``project``; pyodps' own HTTP retries are off (we retry only
    idempotent calls, see errors.idempotent)."""
    from odps import ODPS, options

    # pyodps waits 120 s to connect by default; a poll must not hold the scheduler that long.
    options.connect_timeout = min(int(options.connect_timeout), CONNECT_TIMEOUT)
    import odps.tunnel  # noqa: F401 (its loggers exist before the filter is attached)

    guard_logs()
    return ODPS(
        make_account(credential),
        project=project,
        endpoint=config.endpoint,
        tunnel_endpoint=config.tunnel_endpoint,
        region_name=config.region,
        overwrite_global=False,
        rest_client_kwargs={"retry_enabled": False},
    )
