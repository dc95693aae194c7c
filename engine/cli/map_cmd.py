"""Data Map on the command line: search tables, show one, refresh, favourites, lineage."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from engine.cli import workspace_option

if TYPE_CHECKING:
    from engine.datamap import Lineage, SearchHit, TableDetail
    from engine.datamap.records import Span


def _api(ctx: click.Context) -> Any:
    from engine.api import Api

    return Api.open(workspace_option(ctx))


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _marked(text: str, spans: tuple[Span, ...]) -> str:
    """``text`` with its matches in bold on a terminal (plain when piped)."""
    if not spans or not sys.stdout.isatty():
        return text
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], click.style(text[start:end], bold=True, underline=True)]
        last = end
    return "".join([*out, text[last:]])


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


@click.group("map")
def map_group() -> None:
    """Data Map: find tables by name, comment or column, see their detail and lineage."""


@map_group.command("search")
@click.argument("query", required=False, default="")
@click.option("--project", help="Only tables of this project.")
@click.option("--env", type=click.Choice(["dev", "prod"]), help="Only this environment.")
@click.option("--owner", help="Only tables owned by this user.")
@click.option("--layer", help="Only names starting with this layer prefix (ods, dwd, ...).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@FORMAT
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    project: str | None,
    env: str | None,
    owner: str | None,
    layer: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Search tables: every word matches a prefix of a word in the table's name, comment, or a
    column's name or comment; tables named after the words come first."""
    api = _api(ctx)
    result = api.datamap.search(
        query, project=project, env=env, owner=owner, layer=layer, limit=limit
    )
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    if not result.hits:
        click.echo(f"no table matches {query!r}" if query.strip() else "no table")
        return
    from engine.cli.node_cmd import columns

    rows = [[h.qualified, h.env, h.owner or "-", h.matched, h.comment] for h in result.hits]
    lines = columns(["TABLE", "ENV", "OWNER", "MATCH", "COMMENT"], rows).splitlines()
    click.echo(lines[0])
    width = len(lines[0]) - len(lines[0].lstrip()) + lines[0].index("MATCH")
    for line, hit in zip(lines[1:], result.hits, strict=True):
        click.echo(_hit_line(line, hit))
        for col in hit.columns[:3]:
            detail = _marked(col.name, col.name_spans) + f" {col.type}"
            if col.comment:
                detail += f"  {_marked(col.comment, col.comment_spans)}"
            click.echo(" " * width + f"column {detail}")
    if result.approximate:
        click.echo(
            "(many tables match: the best of the first thousand are shown; add a word or a filter)",
            err=True,
        )
    _warn_refresh(api)


def _hit_line(line: str, hit: SearchHit) -> str:
    name_at = line.index(hit.qualified) + len(hit.project) + 1
    out = line[:name_at] + _marked(hit.name, hit.name_spans) + line[name_at + len(hit.name) :]
    if hit.comment and hit.comment_spans:
        at = out.rindex(hit.comment)
        out = out[:at] + _marked(hit.comment, hit.comment_spans)
    return out


def _warn_refresh(api: Any) -> None:
    problem = api.datamap.refresh_error()
    if problem:
        click.echo(f"warning: the last automatic refresh failed: {problem}", err=True)
        click.echo("  hint: `maxworks map refresh` re-reads the engines", err=True)


@map_group.command("show")
@click.argument("table")
@click.option(
    "--partitions",
    type=click.IntRange(0, 100_000),
    default=10,
    show_default=True,
    help="Newest partitions to list.",
)
@FORMAT
@click.pass_context
def show(ctx: click.Context, table: str, partitions: int, fmt: str) -> None:
    """A table's detail: owner, lifecycle, size, schema, partitions, producing and consuming
    nodes, last access."""
    detail = _api(ctx).datamap.show(table, partitions=partitions)
    if fmt == "json":
        click.echo(json.dumps(detail.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(_detail_text(detail, partitions))


def _detail_text(d: TableDetail, shown: int) -> str:
    from engine.cli.node_cmd import columns

    kind = "view" if d.is_view else ("partitioned table" if d.partitioned else "table")
    star = "  ★ favourite" if d.favourite else ""
    lines = [
        f"{d.qualified} ({d.env}, {kind}){star}",
        f"  comment:    {d.comment or '-'}",
        f"  owner:      {d.owner or '-'}",
        f"  lifecycle:  {f'{d.lifecycle} days' if d.lifecycle is not None else 'forever'}",
        f"  rows:       {_n(d.row_count)}"
        + (f" in {d.partition_count:,} partitions" if d.partitioned else "")
        + f"   size: {_size(d.size_bytes)}",
        f"  created:    {d.created_at or '-'}   data changed: {d.modified_at or '-'}",
        f"  last read:  {_who(d.read_at, d.read_by)}   last written: {_who(d.written_at, d.written_by)}",
        f"  produced by: {', '.join(d.producers) or '-'}",
        f"  read by:     {', '.join(d.consumers) or '-'}",
        f"  collected:  {d.collected_at}",
        "",
    ]
    body = [
        [c.name, c.type, ("partition  " if c.is_partition else "") + c.comment] for c in d.columns
    ]
    lines += ["  " + line for line in columns(["COLUMN", "TYPE", "COMMENT"], body).splitlines()]
    if d.partitioned:
        lines.append("")
        parts = [
            [p.spec, _n(p.row_count), _size(p.size_bytes), p.modified_at or "-"]
            for p in d.partitions
        ]
        if parts:
            table = columns(["PARTITION", "ROWS", "SIZE", "MODIFIED"], parts)
            lines += ["  " + line for line in table.splitlines()]
        if d.partition_count > len(d.partitions):
            lines.append(
                f"  ... {d.partition_count - len(d.partitions):,} older partitions "
                f"(--partitions N shows more)"
                if shown
                else f"  {d.partition_count:,} partitions (--partitions N lists them)"
            )
    return "\n".join(lines)


def _who(at: str | None, by: str | None) -> str:
    return "-" if at is None else f"{at} by {by or '?'}"


@map_group.command("refresh")
@click.argument("tables", nargs=-1)
@click.pass_context
def refresh(ctx: click.Context, tables: tuple[str, ...]) -> None:
    """Re-read metadata from the engines: the named tables, or every table of every project."""
    report = _api(ctx).datamap.refresh(list(tables))
    what = "tables" if not tables else "named tables"
    click.echo(
        f"refreshed {report.tables:,} {what} of {', '.join(report.projects) or 'no project'}"
        + (f", removed {report.removed:,}" if report.removed else "")
        + f" in {report.elapsed_ms / 1000:.1f} s"
    )
    for problem in report.errors:
        click.echo(f"  {problem}", err=True)
    if report.errors:
        sys.exit(1)


@map_group.command("favourite")
@click.argument("table", required=False)
@click.option("--remove", is_flag=True, help="Unmark the table.")
@click.pass_context
def favourite(ctx: click.Context, table: str | None, remove: bool) -> None:
    """Mark TABLE as a favourite of yours (the OS user); without TABLE, list your favourites."""
    datamap = _api(ctx).datamap
    if table is None:
        if remove:
            raise click.UsageError("--remove needs a TABLE")
        names = datamap.favourites()
        click.echo("\n".join(names) if names else "no favourites yet")
        return
    on = datamap.favourite(table, on=not remove)
    name = datamap.resolve(table)
    click.echo(f"{name}: {'favourite' if on else 'not a favourite'}")


@map_group.command("preview")
@click.argument("table")
@click.option("--rows", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.pass_context
def preview(ctx: click.Context, table: str, rows: int) -> None:
    """Sample rows (the newest partition): an ordinary query, so your permissions and data
    masking apply."""
    from engine.cli.output import write_table

    run = _api(ctx).datamap.preview(table, rows)
    last = run.result.last_query
    if run.result.error is not None or last is None:
        click.echo(f"error: {run.result.error}", err=True)
        sys.exit(1)
    write_table(last)


@click.command()
@click.argument("table")
@click.option("--columns", "by_column", is_flag=True, help="Column-level lineage.")
@click.option("--up", type=click.IntRange(0, 100), default=3, show_default=True)
@click.option("--down", type=click.IntRange(0, 100), default=3, show_default=True)
@FORMAT
@click.pass_context
def lineage(ctx: click.Context, table: str, by_column: bool, up: int, down: int, fmt: str) -> None:
    """Where TABLE's data comes from (--up levels) and where it goes (--down levels), from the
    deployed nodes' SQL; --columns follows each column."""
    result = _api(ctx).datamap.lineage(table, columns=by_column, up=up, down=down)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(_lineage_text(result))


def _lineage_text(result: Lineage) -> str:
    lines: list[str] = []
    if not result.columns:
        lines.append(result.table)
        for title, edges, arrow in (
            ("upstream", result.upstream, "<-"),
            ("downstream", result.downstream, "->"),
        ):
            lines.append(f"  {title}:" + ("" if edges else " -"))
            for e in edges:
                lines.append(f"  {'  ' * e.depth}{arrow} {e.table}  (node {', '.join(e.nodes)})")
    else:
        roots = list(
            dict.fromkeys(
                e.parent_column for e in (*result.upstream, *result.downstream) if e.depth == 1
            )
        )
        if not roots:
            lines.append(f"{result.table}: no column lineage")
        for column in roots:
            lines.append(f"{result.table}.{column}")
            for arrow, edges in (("<-", result.upstream), ("->", result.downstream)):
                for e in _subtree(edges, column):
                    lines.append(
                        f"  {'  ' * e.depth}{arrow} {e.table}.{e.column}  (node {', '.join(e.nodes)})"
                    )
    for problem in result.unparsed:
        lines.append(f"(not parsed: {problem})")
    return "\n".join(lines)


def _subtree(edges: tuple[Any, ...], column: str | None) -> list[Any]:
    """The edges under the root column ``column`` (edges are in pre-order, roots at depth 1)."""
    out: list[Any] = []
    inside = False
    for e in edges:
        if e.depth == 1:
            inside = e.parent_column == column
        if inside:
            out.append(e)
    return out
