"""The catalogue of clauses: id, Chinese name, kind of support (X-HIGHEST) and whether investment-type (X-ONEINV)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


YEARLY_CLAIM_KINDS = frozenset({SupportKind.CLOUD, SupportKind.ALLIANCE, SupportKind.DIAGNOSIS})


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    name_zh: str
    kind: SupportKind
    investment_type: bool = False


CLAUSES: dict[str, Clause] = {
    c.id: c
    for c in (
        Clause("A1", "第一条 落户企业研发与设备投资补贴", SupportKind.INVESTMENT, investment_type=True),
        Clause("A2", "第二条 重点培育企业租金补贴", SupportKind.RENT),
        Clause("A3-INV", "第三条 智能工厂与工业互联网应用投入扶持", SupportKind.INVESTMENT, investment_type=True),
        Clause("A3-TITLE", "第三条 智能产线/车间/工厂等称号奖励", SupportKind.TITLE),
        Clause("A4-CERT", "第四条 两化融合贯标奖励", SupportKind.CERTIFICATION),
        Clause("A4-PILOT", "第四条 两化融合试点示范奖励", SupportKind.PILOT),
        Clause("A5", "第五条 企业上云上平台服务商资助", SupportKind.CLOUD),
        Clause("A6-INV", "第六条 5G/AI+工业互联网创新应用示范企业扶持", SupportKind.INVESTMENT, investment_type=True),
        Clause("A6-TITLE", "第六条 工业互联网创新应用示范称号奖励", SupportKind.TITLE),
        Clause("A7-START", "第七条 公共服务平台开办费资助", SupportKind.PLATFORM_STARTUP),
        Clause("A7-SITE", "第七条 公共服务平台场地租购扶持", SupportKind.PLATFORM_SITE),
        Clause("A7-ALLIANCE", "第七条 产业联盟理事长单位活动扶持", SupportKind.ALLIANCE),
        Clause("A8", "第八条 智能制造诊断服务资助", SupportKind.DIAGNOSIS),
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
