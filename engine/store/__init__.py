"""SQLite state (state.db) through sqlite-utils: versioned migrations applied at start-up."""

from engine.store.db import open_state

__all__ = ["open_state"]
