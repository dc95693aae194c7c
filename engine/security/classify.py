"""Data classification (Data Security Guard, reference §10.3): sensitivity levels and the rules
that tag columns by name/comment patterns and by content patterns.

Levels follow DataWorks' template: a larger number is more sensitive. Each rule names the masking
method applied to a tagged column for users without clearance (engine.security.masking).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

LEVELS: dict[int, str] = {
    0: "public",
    1: "internal",
    2: "sensitive",
    3: "confidential",
    4: "top secret",
}
MASK_FROM_LEVEL = 2  # columns at this level or above are masked for users without clearance
CONTENT_SAMPLE = 200  # rows sampled per table by content rules
CONTENT_SHARE = 0.6  # share of non-empty sampled values that must match a content rule


@dataclass(frozen=True)
class Rule:
    category: str
    level: int
    method: str  # masking method spec (engine.security.masking.parse_method)
    names: re.Pattern[str] | None = None  # matched against the column name
    comments: re.Pattern[str] | None = None  # matched against the column comment
    content: re.Pattern[str] | None = None  # matched against sampled values
    check: Callable[[str], bool] | None = None  # extra validation of a content match


def luhn_ok(digits: str) -> bool:
    """Bank card numbers carry a Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_ok(text: str) -> bool:
    """An 18-digit resident identity card number (GB 11643): its last character is a checksum."""
    body = text[:17]
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17].upper()


BUILT_IN_RULES: tuple[Rule, ...] = (
    Rule(
        "id_card", 4, "hash",
        names=re.compile(r"(^|_)(id_?card|id_?no|identity_?(no|number)|sfz)(_|$)", re.I),
        comments=re.compile(r"id card|identity card|身份证", re.I),
        content=re.compile(r"^\d{17}[\dXx]$"), check=id_card_ok,
    ),
    Rule(
        "bank_card", 4, "partial:0:4",
        names=re.compile(r"(^|_)(bank_?card|card_?(no|num|number)|bank_?account)(_|$)", re.I),
        comments=re.compile(r"bank card|card number|银行卡", re.I),
        content=re.compile(r"^\d{16,19}$"), check=luhn_ok,
    ),
    Rule(
        "phone", 3, "partial:3:4",
        names=re.compile(r"(^|_)(phone|mobile|cellphone|tel|telephone)(_?(no|num|number))?(_|$)", re.I),
        comments=re.compile(r"phone|mobile|手机|电话", re.I),
        content=re.compile(r"^(\+?86)?1[3-9]\d{9}$"),
    ),
    Rule(
        "email", 2, "partial:2:0",
        names=re.compile(r"(^|_)e?-?mail(_?addr(ess)?)?(_|$)", re.I),
        comments=re.compile(r"e-?mail|邮箱", re.I),
        content=re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"),
    ),
    Rule(
        "person_name", 2, "partial:1:0",
        names=re.compile(r"(^|_)(real_?name|full_?name|nick_?name|nick|user_?name|person_?name)$", re.I),
        comments=re.compile(r"nickname|real name|full name|姓名|昵称", re.I),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ColumnClass:
    column: str
    level: int
    category: str | None
    method: str | None
    source: str  # name | comment | content | manual | none

    @property
    def sensitive(self) -> bool:
        return self.level >= MASK_FROM_LEVEL and self.method is not None


def by_metadata(
    name: str, comment: str | None, rules: Sequence[Rule] = BUILT_IN_RULES
) -> ColumnClass | None:
    for rule in rules:
        if rule.names is not None and rule.names.search(name):
            return ColumnClass(name, rule.level, rule.category, rule.method, "name")
        if comment and rule.comments is not None and rule.comments.search(comment):
            return ColumnClass(name, rule.level, rule.category, rule.method, "comment")
    return None


def by_content(
    name: str, values: Iterable[Any], rules: Sequence[Rule] = BUILT_IN_RULES
) -> ColumnClass | None:
    """The first content rule that most sampled non-empty values match (None if no values)."""
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if not texts:
        return None
    for rule in rules:
        if rule.content is None:
            continue
        pattern, check = rule.content, rule.check
        hits = sum(1 for t in texts if pattern.match(t) and (check is None or check(t)))
        if hits >= CONTENT_SHARE * len(texts):
            return ColumnClass(name, rule.level, rule.category, rule.method, "content")
    return None


def classify_columns(
    columns: Sequence[tuple[str, str | None]],
    rows: Sequence[Sequence[Any]] | None,
) -> list[ColumnClass]:
    """Classify a table's columns ((name, comment) pairs) by metadata, then by sampled content."""
    out: list[ColumnClass] = []
    for i, (name, comment) in enumerate(columns):
        found = by_metadata(name, comment)
        if found is None and rows:
            found = by_content(name, (r[i] for r in rows if i < len(r)))
        out.append(found or ColumnClass(name, 0, None, None, "none"))
    return out
