"""The demo workspace: ``maxworks demo`` (see engine.demo.build)."""

from engine.demo.build import DEFAULT_SEED, DemoPlan, create_demo, is_demo, read_marker

__all__ = ["DEFAULT_SEED", "DemoPlan", "create_demo", "is_demo", "read_marker"]
