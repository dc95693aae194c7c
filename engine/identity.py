"""Who is acting: the OS user running this process (never an environment variable)."""

from __future__ import annotations

import os
import pwd


def current_user() -> str:
    """The login name of the real user id; $USER can be set by anyone, the uid cannot."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry (containers): still a stable identity
        return f"uid{os.getuid()}"
