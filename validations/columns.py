"""The columns of every input kind (CONTRACT.md): English name, Chinese header, value type, required or not."""

from __future__ import annotations

from dataclasses import dataclass

from rules.model import APPLICATION_FIELDS


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    zh: str
    type: str
    required: bool = False


APPLICATION_ZH = {
    "application_id": "申请编号",
    "clause": "条款",
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "submitted_on": "申报日期",
    "project_id": "项目编号",
    "entity_type": "主体类型",
    "business_in_minhang": "工商注册在闵行",
    "tax_in_minhang": "税务登记在闵行",
    "field": "所属领域",
    "certified": "认定通过",
    "major_project": "一事一议",
    "fixed_asset_investment": "固定资产投资",
    "rd_expense": "研发费用",
    "equipment_investment": "设备投资",
    "paid_in_capital": "实缴资本",
    "headcount": "企业人数",
    "financing": "市场融资",
    "annual_rent": "年租金",
    "lease_start": "租赁起始日期",
    "investment": "投资总额",
    "title_level": "称号级别",
    "cert_level": "贯标等级",
    "claim_year": "申报年度",
    "onboarded_count": "上云企业数",
    "activity_cost": "活动费用",
    "provider_uscc": "服务商统一社会信用代码",
    "provider_in_minhang": "服务商注册在闵行",
    "adopted": "接纳实施",
    "report_id": "诊断报告编号",
}

APPLICATION_REQUIRED = {
    "application_id",
    "clause",
    "uscc",
    "name",
    "submitted_on",
    "business_in_minhang",
    "tax_in_minhang",
    "field",
}

APPLICATIONS = tuple(
    Column(name, APPLICATION_ZH[name], kind, name in APPLICATION_REQUIRED) for name, kind in APPLICATION_FIELDS.items()
)

BLACKLIST = (
    Column("uscc", "统一社会信用代码", "uscc", True),
    Column("listed_on", "列入日期", "date", True),
    Column("removed_on", "移出日期", "date"),
    Column("source", "来源", "text"),
)

REGISTRY = (
    Column("uscc", "统一社会信用代码", "uscc", True),
    Column("business_in_minhang", "工商注册在闵行", "bool", True),
    Column("tax_in_minhang", "税务登记在闵行", "bool", True),
    Column("effective_on", "生效日期", "date", True),
)

EXTERNAL_AWARDS = (
    Column("uscc", "统一社会信用代码", "uscc", True),
    Column("project_id", "项目编号", "text"),
    Column("kind", "支持类别", "kind", True),
    Column("amount", "金额", "amount", True),
    Column("policy", "政策名称", "text"),
)

CASE_DECISIONS = (
    Column("application_id", "申请编号", "text", True),
    Column("amount", "金额", "amount", True),
    Column("approved_by", "审批人", "text", True),
    Column("document_ref", "文号", "text", True),
    Column("decided_on", "决定日期", "date", True),
)

ONBOARDINGS = (
    Column("provider_uscc", "服务商统一社会信用代码", "uscc", True),
    Column("enterprise_uscc", "上云企业统一社会信用代码", "uscc", True),
    Column("claim_year", "申报年度", "claim_year", True),
    Column("onboarded_on", "上云日期", "date", True),
)

BANK_ACCOUNTS = (
    Column("uscc", "收款人统一社会信用代码", "uscc", True),
    Column("account_name", "户名", "text", True),
    Column("bank_name", "开户行", "text", True),
    Column("account_no", "账号", "text", True),
    Column("effective_on", "生效日期", "date", True),
)
"""A recipient's bank account (issue 20): the account payments go to from its effective date."""

BANK_RETURNS = (
    Column("reference", "业务参考号", "text", True),
    Column("amount", "金额", "amount", True),
    Column("status", "状态", "text", True),
    Column("value_date", "入账日期", "date", True),
    Column("reason", "失败原因", "text"),
)
"""A bank's return file (银行回单, issue 20): per payment-file line, whether it reached the account and when."""

KINDS: dict[str, tuple[Column, ...]] = {
    "applications": APPLICATIONS,
    "blacklist": BLACKLIST,
    "registry": REGISTRY,
    "external_awards": EXTERNAL_AWARDS,
    "case_decisions": CASE_DECISIONS,
    "onboardings": ONBOARDINGS,
    "bank_accounts": BANK_ACCOUNTS,
    "bank_returns": BANK_RETURNS,
}
