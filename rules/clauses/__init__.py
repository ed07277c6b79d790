"""The clauses: the catalogue (id, Chinese name, kind of support for X-HIGHEST, whether investment-type for
X-ONEINV, the input that dates the support for I-13), and what a clause rule gives for its rows (``Assessment``).

One module per article computes its clauses for a whole table at once: ``a1_settlement`` … ``a8_diagnosis``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from rules.model import Reason
from rules.money import AmountColumn, award_in_fen, cap_in_fen
from rules.params import ParametersOn

if TYPE_CHECKING:
    from rules.facts import Facts
    from rules.table import Applications


class SupportKind(StrEnum):
    """Kinds of support compared by X-HIGHEST (CONTRACT.md, 'Kinds of support')."""

    INVESTMENT = "investment"
    RENT = "rent"
    TITLE = "title"
    CERTIFICATION = "certification"
    PILOT = "pilot"
    CLOUD = "cloud"
    PLATFORM_STARTUP = "platform_startup"
    PLATFORM_SITE = "platform_site"
    ALLIANCE = "alliance"
    DIAGNOSIS = "diagnosis"


YEARLY_CAPPED_KINDS = frozenset({SupportKind.CLOUD, SupportKind.ALLIANCE})
"""Yearly claims bounded by a cap per entity and claim year instead of X-HIGHEST (CONTRACT.md)."""


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    name_zh: str
    kind: SupportKind
    investment_type: bool = False
    dated_by: str | None = None
    """The input that places the support in time (I-13): ``lease_start`` or ``claim_year``."""


CLAUSES: dict[str, Clause] = {
    c.id: c
    for c in (
        Clause("A1", "第一条 落户企业研发与设备投资补贴", SupportKind.INVESTMENT, investment_type=True),
        Clause("A2", "第二条 重点培育企业租金补贴", SupportKind.RENT, dated_by="lease_start"),
        Clause("A3-INV", "第三条 智能工厂与工业互联网应用投入扶持", SupportKind.INVESTMENT, investment_type=True),
        Clause("A3-TITLE", "第三条 智能产线/车间/工厂等称号奖励", SupportKind.TITLE),
        Clause("A4-CERT", "第四条 两化融合贯标奖励", SupportKind.CERTIFICATION),
        Clause("A4-PILOT", "第四条 两化融合试点示范奖励", SupportKind.PILOT),
        Clause("A5", "第五条 企业上云上平台服务商资助", SupportKind.CLOUD, dated_by="claim_year"),
        Clause("A6-INV", "第六条 5G/AI+工业互联网创新应用示范企业扶持", SupportKind.INVESTMENT, investment_type=True),
        Clause("A6-TITLE", "第六条 工业互联网创新应用示范称号奖励", SupportKind.TITLE),
        Clause("A7-START", "第七条 公共服务平台开办费资助", SupportKind.PLATFORM_STARTUP),
        Clause("A7-SITE", "第七条 公共服务平台场地租购扶持", SupportKind.PLATFORM_SITE, dated_by="lease_start"),
        Clause("A7-ALLIANCE", "第七条 产业联盟理事长单位活动扶持", SupportKind.ALLIANCE, dated_by="claim_year"),
        Clause("A8", "第八条 智能制造诊断服务资助", SupportKind.DIAGNOSIS, dated_by="claim_year"),
    )
}

APPENDIX_NAMES_ZH = {
    "X-SCOPE": "附则 适用范围",
    "X-EXCL": "附则 除外主体",
    "X-HIGHEST": "附则 就高不重复",
    "X-ONEINV": "附则 一个执行周期一项投资类政策",
    "X-CASE": "附则 一事一议",
    "X-CREDIT": "附则 信用监督",
    "X-VALID": "附则 有效期",
}


def clause_name_zh(clause_id: str) -> str:
    if clause_id in CLAUSES:
        return CLAUSES[clause_id].name_zh
    return APPENDIX_NAMES_ZH.get(clause_id, "")


@dataclass
class Assessment:
    """What a clause rule finds for its rows (of one parameter epoch), column by column, before the appendix's
    rules across applications. ``amounts`` are the installments the clause allows in fen (rounded once, the
    clause's own caps applied), one column per installment, ``due_years`` the fiscal year each falls due."""

    amounts: np.ndarray
    due_years: np.ndarray
    reasons: dict[Reason, np.ndarray] = field(default_factory=dict)
    capped: np.ndarray | None = None
    recipient: np.ndarray | None = None
    """Who is paid, where not the applicant (A8)."""
    shared_cap: int | None = None
    """A cap in fen shared by several applications (``rules.caps``): per entity and claim year for the yearly
    claims (A5, A7-ALLIANCE), per enterprise for A2 (I-12)."""
    notes: dict[str, np.ndarray] = field(default_factory=dict)
    """Intermediate values the trace shows (``describe`` of the clause's module renders them)."""


def one_time(fen: np.ndarray, decided_on: date) -> tuple[np.ndarray, np.ndarray]:
    """A single installment of ``fen`` per row, due in the fiscal year of the decision."""
    amounts = np.asarray(fen, dtype=np.int64).reshape(-1, 1)
    return amounts, np.full(amounts.shape, decided_on.year, dtype=np.int64)


def schedule_due_years(start_years: np.ndarray, count: int, decided_on: date) -> np.ndarray:
    """Installment k falls due in max(decision year, start year + k − 1) (I-8, CONTRACT.md)."""
    return np.maximum(decided_on.year, start_years.reshape(-1, 1) + np.arange(count, dtype=np.int64))


def share_with_cap(base: AmountColumn, p: ParametersOn, rate_key: str, cap_key: str, decided_on: date) -> Assessment:
    """A one-time share of ``base``: rate × base rounded half-up to the fen, then the inclusive cap (caps apply
    after rounding, I-9)."""
    gross = base.share_in_fen(p(rate_key), p.reading("I-9"))
    ceiling = cap_in_fen(p(cap_key))
    amounts, due = one_time(np.minimum(gross, ceiling), decided_on)
    return Assessment(amounts, due, capped=gross > ceiling, notes={"gross": gross})


def fixed_award(rows: Applications, p: ParametersOn, decided_on: date, keys: str | np.ndarray) -> Assessment:
    """A one-time award of the parameter each row names: one for all, or per row (a title or a level)."""
    names = np.full(len(rows), keys, dtype=object) if isinstance(keys, str) else keys
    fen = np.zeros(len(rows), dtype=np.int64)
    for key in set(names.tolist()):
        fen[names == key] = award_in_fen(p(key), p.reading("I-9"))
    amounts, due = one_time(fen, decided_on)
    return Assessment(amounts, due)


class ClauseRule(NamedTuple):
    """A clause's rule over a table (``assess``) and the words its trace shows for one row (``describe``)."""

    assess: Callable[[Applications, ParametersOn, date, Facts], Assessment]
    describe: Callable[[dict[str, Any], dict[str, Any], ParametersOn], list[str]]
