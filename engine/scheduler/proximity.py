"""Which ancestor instances a descendant instance depends on (reference §2.7).

Instances of one node on one day are ordered by scheduled time. The rules, by shape:
- one ancestor instance a day: every descendant instance depends on it;
- as many instances as the descendant: one-to-one by position (time is irrelevant);
- a once-a-day descendant over a many-a-day ancestor: all of the day's ancestor instances, or,
  when the ancestor depends on itself, the one closest to but not later than the descendant;
- an hourly descendant over a minute ancestor: the ancestor instances since its previous instance;
- otherwise: the ancestor instance closest to but not later than the descendant, else the first.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime

from engine.scheduler.model import Cycle


def map_upstream(
    desc_times: Sequence[datetime],
    anc_times: Sequence[datetime],
    *,
    desc_cycle: Cycle,
    anc_cycle: Cycle,
    anc_self_dependency: bool = False,
) -> list[list[int]]:
    """For each descendant instance, the indices of the ancestor instances it depends on."""
    if not anc_times or not desc_times:
        return [[] for _ in desc_times]
    n_anc = len(anc_times)
    if n_anc == 1:
        return [[0] for _ in desc_times]
    if len(desc_times) == n_anc:
        return [[i] for i in range(n_anc)]
    if len(desc_times) == 1:
        if anc_self_dependency:
            return [[_closest(anc_times, desc_times[0])]]
        return [list(range(n_anc))]
    if desc_cycle == Cycle.HOUR and anc_cycle == Cycle.MINUTE and not anc_self_dependency:
        out: list[list[int]] = []
        prev: datetime | None = None
        for t in desc_times:
            window = [i for i, a in enumerate(anc_times) if (prev is None or a > prev) and a <= t]
            out.append(window or [_closest(anc_times, t)])
            prev = t
        return out
    return [[_closest(anc_times, t)] for t in desc_times]


def _closest(anc_times: Sequence[datetime], t: datetime) -> int:
    """Index of the latest ancestor time <= t, else the first."""
    i = bisect_right(anc_times, t) - 1
    return max(i, 0)
