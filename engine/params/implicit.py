"""Values every node's code and every ad-hoc script can use without declaring them.

DataStudio's Run fills in ``${bizdate}`` and friends for you; maxworks does the same for scheduled
instances, so ``PARTITION (dt='${bizdate}')`` works out of the box. A declared parameter of the same
name wins. The legacy ``${bdp.system.*}`` names are included, so code can be substituted later
without the context.
"""

from __future__ import annotations

from functools import lru_cache

from engine.params.context import ParamContext
from engine.params.expressions import evaluate

IMPLICIT_PARAMS = ("bizdate", "cyctime", "gmtdate", "bizmonth")


def implicit_values(ctx: ParamContext) -> dict[str, str]:
    # Generation asks this for every instance; thousands share one (bizdate, cyctime).
    return dict(_implicit(ctx.bizdate, ctx.cyctime, ctx.backfill))


@lru_cache(maxsize=4096)
def _implicit(bizdate: object, cyctime: object, backfill: bool) -> tuple[tuple[str, str], ...]:
    ctx = ParamContext(bizdate=bizdate, cyctime=cyctime, backfill=backfill)  # type: ignore[arg-type]
    values = {name: evaluate(f"${name}", ctx) for name in IMPLICIT_PARAMS}
    values["bdp.system.bizdate"] = values["bizdate"]
    values["bdp.system.cyctime"] = values["cyctime"]
    return tuple(values.items())
