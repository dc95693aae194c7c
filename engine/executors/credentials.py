"""The two MaxCompute identities and where their AccessKeys come from.

DataWorks runs ad-hoc queries and DataStudio runs with the user's own AccessKey (the *personal*
identity) and scheduled production runs with a separate one (the *scheduling* identity). Keys never
live in the workspace: they come from the environment, or from ``~/.config/maxworks/credentials.toml``
(``[personal]`` / ``[scheduling]`` tables with ``access_key_id`` and ``access_key_secret``), which is
refused unless only its owner can read it.

A secret is held by :class:`Secret`, whose repr, str and pickle never reveal it; every secret this
process loads is remembered so that :func:`redact` can scrub it from any text that leaves the engine.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NoReturn

from engine.errors import MaxworksError

Identity = Literal["personal", "scheduling"]
IDENTITIES: tuple[Identity, ...] = ("personal", "scheduling")

PERSONAL_ID_ENV = "ALIBABA_CLOUD_ACCESS_KEY_ID"
PERSONAL_SECRET_ENV = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
SCHEDULING_ID_ENV = "MAXWORKS_SCHEDULING_ACCESS_KEY_ID"
SCHEDULING_SECRET_ENV = "MAXWORKS_SCHEDULING_ACCESS_KEY_SECRET"
CREDENTIALS_FILE = "credentials.toml"
_FILE_KEYS = {"access_key_id", "access_key_secret"}
MIN_REDACTED = 8  # shorter "secrets" would scrub ordinary words out of every message

_known_lock = threading.Lock()
_known_secrets: set[str] = set()


class CredentialsError(MaxworksError):
    """Credentials are missing, malformed or stored unsafely (the message never holds a secret)."""


class Secret:
    """A secret string that never shows itself: not in repr, str, f-strings, logs or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if len(value) >= MIN_REDACTED:  # AccessKey secrets are 30 characters
            with _known_lock:
                _known_secrets.add(value)

    def reveal(self) -> str:
        """The secret itself: only for signing requests, never for display."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or copied out of the process")


@dataclass(frozen=True, repr=False)
class Credential:
    """An AccessKey pair for one identity, and where it came from (for doctor and errors)."""

    identity: Identity
    access_key_id: str
    secret: Secret
    source: str  # e.g. "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)" or the credentials file

    @property
    def masked_id(self) -> str:
        key = self.access_key_id
        return "****" + key[-4:] if len(key) >= 12 else "****"

    def __repr__(self) -> str:
        return f"Credential({self.identity}, access key {self.masked_id}, from {self.source})"

    __str__ = __repr__


@dataclass(frozen=True)
class IdentityVariables:
    """Environment variable names that hold one identity's AccessKey pair."""

    key_id: str
    secret: str


PERSONAL_VARIABLES = IdentityVariables(PERSONAL_ID_ENV, PERSONAL_SECRET_ENV)
DEFAULT_SCHEDULING_VARIABLES = IdentityVariables(SCHEDULING_ID_ENV, SCHEDULING_SECRET_ENV)


def redact(text: str) -> str:
    """``text`` with every secret this process has loaded replaced by ``***``."""
    with _known_lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def credentials_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/maxworks/credentials.toml``, by default ``~/.config/maxworks/...``."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_CONFIG_HOME") or str(
        Path(environ.get("HOME") or Path.home()) / ".config"
    )
    return Path(base) / "maxworks" / CREDENTIALS_FILE


def load_credential(
    identity: Identity,
    *,
    scheduling: IdentityVariables = DEFAULT_SCHEDULING_VARIABLES,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Credential:
    """The identity's AccessKey: from its environment variables, else from the credentials file."""
    environ = os.environ if env is None else env
    names = PERSONAL_VARIABLES if identity == "personal" else scheduling
    key_id, secret = environ.get(names.key_id, ""), environ.get(names.secret, "")
    if key_id and secret:
        return Credential(identity, key_id, Secret(secret), f"environment ({names.key_id})")
    if key_id or secret:
        missing = names.secret if key_id else names.key_id
        present = names.key_id if key_id else names.secret
        raise CredentialsError(
            f"the {identity} identity is half configured: {present} is set but {missing} is not",
            hint=f"export {missing} as well (or unset {present} to use the credentials file)",
        )
    file = path or credentials_path(environ)
    section = _read_file(file).get(identity)
    if section is None:
        raise CredentialsError(
            f"no credentials for the {identity} identity",
            hint=f"export {names.key_id} and {names.secret}, or add a [{identity}] table with "
            f"access_key_id and access_key_secret to {file} (mode 0600)",
        )
    return _from_section(identity, section, file)


def _from_section(identity: Identity, section: object, file: Path) -> Credential:
    if not isinstance(section, dict):
        raise CredentialsError(f"{file}: [{identity}] must be a table")
    for key in section:
        if key not in _FILE_KEYS:
            raise CredentialsError(
                f"{file}: {identity}.{key}: unknown key (expected access_key_id, access_key_secret)"
            )
    key_id, secret = section.get("access_key_id"), section.get("access_key_secret")
    for name, value in (("access_key_id", key_id), ("access_key_secret", secret)):
        if not isinstance(value, str) or not value.strip():
            raise CredentialsError(f"{file}: {identity}.{name}: must be a non-empty string")
    assert isinstance(key_id, str) and isinstance(secret, str)
    return Credential(identity, key_id.strip(), Secret(secret.strip()), str(file))


def _read_file(file: Path) -> dict[str, object]:
    """The parsed credentials file ({} when absent); refused unless only its owner can read it."""
    try:
        info = file.stat()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise CredentialsError(f"{file}: cannot read: {err.strerror}") from None
    check_file_mode(file, info)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise CredentialsError(f"{file}: cannot read: {err.strerror}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        # Only the position is reported: the text around it could be a secret.
        found = re.search(r"line \d+, column \d+", str(err))
        where = f" at {found.group(0)}" if found else ""
        raise CredentialsError(
            f"{file}: not valid TOML{where}",
            hint='each table holds access_key_id = "..." and access_key_secret = "..."',
        ) from None


def check_file_mode(file: Path, info: os.stat_result | None = None) -> None:
    """Refuse a credentials file that others can read or write, or that another user owns."""
    info = info or file.stat()
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise CredentialsError(
            f"{file}: refused: the credentials file has mode {mode:04o}, so other users can read "
            "or change it; it must be mode 0600",
            hint=f"chmod 600 {file}",
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CredentialsError(
            f"{file}: refused: the credentials file belongs to another user (uid {info.st_uid})",
            hint=f"copy it to a file you own and `chmod 600` it, or remove {file}",
        )
