"""SQLite state (state.db) through sqlite-utils: versioned migrations applied at start-up."""

from engine.store.db import open_state, write_transaction

__all__ = ["open_state", "write_transaction"]
