"""Workspaces: a directory with maxworks.toml, workflows/ and .maxworks/ (machine state)."""

from engine.workspace.config import Environment, ProjectConfig, ResourceGroup, WorkspaceConfig
from engine.workspace.workspace import Workspace, find_workspace_root

__all__ = [
    "Environment",
    "ProjectConfig",
    "ResourceGroup",
    "Workspace",
    "WorkspaceConfig",
    "find_workspace_root",
]
