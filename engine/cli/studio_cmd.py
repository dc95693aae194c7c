"""`maxworks commit|deploy|diff|versions`: DataStudio's development lifecycle (reference §6.1)."""

from __future__ import annotations

import sys

import click

from engine.cli import workspace_option


@click.command()
@click.argument("nodes", nargs=-1)
@click.option("-m", "--message", required=True, help="What changed (stored with each version).")
@click.pass_context
def commit(ctx: click.Context, nodes: tuple[str, ...], message: str) -> None:
    """Commit NODES (default: every changed node) as new versions.

    Refused, with nothing committed, if a statement does not parse, a name is unknown, two nodes
    produce one output, or the DAG would have a cycle. In basic mode a commit is live at once.
    """
    from engine.api import Api

    studio = Api.open(workspace_option(ctx)).studio
    result = studio.commit(list(nodes) or None, message)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not result.versions:
        click.echo("Nothing to commit: the working copy matches the last versions.")
        return
    for v in result.versions:
        click.echo(f"Committed {v.node} v{v.version} ({v.change})")
    if result.deployments:
        click.echo(f"Deployed {len(result.deployments)} (basic mode: commit is live)")
    else:
        click.echo('Next: `maxworks deploy -m "..."` to run them in production')


@click.command()
@click.argument("nodes", nargs=-1)
@click.option("-m", "--message", help="What this deploy ships (required unless --pending).")
@click.option("--pending", is_flag=True, help="Only list what is committed but not deployed.")
@click.pass_context
def deploy(ctx: click.Context, nodes: tuple[str, ...], message: str | None, pending: bool) -> None:
    """Deploy the latest committed version of NODES (default: everything pending) to production.

    All listed nodes are deployed, or none. A committed delete undeploys the node.
    """
    from engine.api import Api

    studio = Api.open(workspace_option(ctx)).studio
    if pending:
        todo = studio.pending_deploy()
        if nodes:
            todo = [p for p in todo if p.node in nodes]
        if not todo:
            click.echo("Nothing to deploy.")
            return
        from engine.cli.node_cmd import columns

        header = ("NODE", "VERSION", "CHANGE", "PRODUCTION", "COMMITTED BY", "MESSAGE")
        body = [
            (p.node, f"v{p.version}", p.change,
             "-" if p.deployed_version is None else f"v{p.deployed_version}", p.committed_by, p.message)
            for p in todo
        ]  # fmt: skip
        click.echo(columns(header, body))
        return
    if not message:
        raise click.UsageError('a deploy needs a message: -m "..."')
    done = studio.deploy(list(nodes) or None, message)
    if not done:
        click.echo("Nothing to deploy: production runs the latest versions.")
    for d in done:
        verb = "Undeployed" if d.change == "delete" else "Deployed"
        click.echo(f"{verb} {d.node} v{d.version} ({d.change})")


@click.command()
@click.argument("node")
@click.argument("v1", type=int, required=False)
@click.argument("v2", type=int, required=False)
@click.pass_context
def diff(ctx: click.Context, node: str, v1: int | None, v2: int | None) -> None:
    """Diff NODE's config and code: latest version vs working copy, V1 vs working copy, or V1 vs V2."""
    from engine.api import Api

    text = Api.open(workspace_option(ctx)).studio.diff(node, v1, v2)
    if not text:
        click.echo("No differences.", err=True)
        return
    sys.stdout.write(text)


@click.command()
@click.argument("node")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def versions(ctx: click.Context, node: str, fmt: str) -> None:
    """List NODE's versions, newest first, marking the one production runs."""
    from engine.api import Api

    found = Api.open(workspace_option(ctx)).studio.versions(node)
    if fmt == "json":
        import json

        rows = [
            {
                "version": v.version,
                "change": v.change,
                "message": v.message,
                "committed_by": v.committed_by,
                "committed_at": v.committed_at.isoformat(sep=" "),
                "deployed": v.deployed,
            }
            for v in found
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f'{node} has no versions yet: `maxworks commit {node} -m "..."`')
        return
    from engine.cli.node_cmd import columns

    header = ("VERSION", "CHANGE", "COMMITTED", "BY", "PRODUCTION", "MESSAGE")
    body = [
        (f"v{v.version}", v.change, v.committed_at.strftime("%Y-%m-%d %H:%M:%S"), v.committed_by,
         "deployed" if v.deployed else "", v.message)
        for v in found
    ]  # fmt: skip
    click.echo(columns(header, body))
