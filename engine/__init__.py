"""maxworks engine: everything headless (workspace, parameters, SQL, executors, scheduler).

Nothing under ``engine`` imports ``textual`` or ``tui``; ``tests/unit/test_import_hygiene.py``
enforces it.
"""

__version__ = "0.1.0"
