"""Sample data for ``subsidy demo`` and the tests: valid USCCs, realistic applications, some bad rows, a
blacklisted enterprise, a registry change, an award from another policy and a case decision."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from stdnum.cn import uscc as stdnum_uscc

from validations.columns import APPLICATION_ZH

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MINHANG = "310112"


def make_uscc(rng: random.Random, division: str = MINHANG) -> str:
    """A USCC with a valid GB 32100 check digit (registration authority 9, enterprise type 1)."""
    body = "91" + division + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


def write_csv(
    path: Path, header: list[str], rows: list[dict[str, object]], encoding: str = "utf-8", keys: list[str] | None = None
) -> Path:
    keys = keys or header
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(k) is None else row.get(k) for k in keys])
    return path


@dataclass
class SampleFiles:
    applications: list[Path]
    blacklist: Path
    registry: Path
    external_awards: Path
    case_decisions: Path
    blacklisted_at_intake: str
    blacklisted_later: str
    moved_out: str
    bank_accounts: Path
    without_account: str
    misnamed_account: str


APP_COLUMNS = list(APPLICATION_ZH)

# The columns of a file holding only A2 (rent) and A4-PILOT applications, as the benchmark and tests write them.
RENT_AND_PILOT_COLUMNS = [
    "application_id",
    "clause",
    "uscc",
    "name",
    "submitted_on",
    "business_in_minhang",
    "tax_in_minhang",
    "field",
    "certified",
    "paid_in_capital",
    "headcount",
    "financing",
    "annual_rent",
    "lease_start",
]


def make_sample(folder: Path, seed: int = 20240601) -> SampleFiles:
    """Write the demo's input files into ``folder`` and say which enterprises play which part."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    fields = ["ai", "intelligent_manufacturing", "industrial_internet"]
    enterprises = [make_uscc(rng) for _ in range(50)]
    blacklisted_at_intake, blacklisted_later, moved_out = enterprises[0], enterprises[1], enterprises[2]
    rows: list[dict[str, object]] = []

    def add(clause: str, uscc: str, month: int, day: int, **extra: object) -> None:
        n = len(rows) + 1
        row: dict[str, object] = {
            "application_id": f"MH-2024-{n:04d}",
            "clause": clause,
            "uscc": uscc,
            "name": f"闵行示范企业{n:02d}",
            "submitted_on": f"2024-{month:02d}-{day:02d}",
            "business_in_minhang": "true",
            "tax_in_minhang": "true",
            "field": fields[n % 3],
            "certified": "true",
        }
        row.update(extra)
        rows.append(row)

    rent_ok = {"paid_in_capital": "800万", "headcount": 45, "financing": "3,000万元"}
    # A2 rent: eligible ones with leases starting 2022-2024, some reaching the 3,000,000 cumulative cap.
    for i, uscc in enumerate(enterprises[:16]):
        rent = ["¥600,000", "1,200,000.50", "960000", "1500000", "2,400,000", "450000.25", "800000", "1000000"][i % 8]
        add("A2", uscc, 1 + i % 5, 3 + i, annual_rent=rent, lease_start=f"{2022 + i % 3}-0{1 + i % 9}-01", **rent_ok)
    add(
        "A2",
        enterprises[16],
        2,
        14,
        annual_rent="700000",
        lease_start="2024-01-01",
        paid_in_capital="4999999.99",
        headcount=45,
        financing="30000000",
    )  # just below the capital threshold
    add(
        "A2",
        enterprises[17],
        2,
        15,
        annual_rent="700000",
        lease_start="2024-01-01",
        paid_in_capital="5000000",
        headcount=30,
        financing="20000000",
    )  # exactly at every threshold
    add(
        "A2",
        enterprises[18],
        2,
        16,
        annual_rent="700000",
        lease_start="2024-01-01",
        paid_in_capital="9000000",
        headcount=29,
        financing="20000000",
    )  # one person short
    # A4-PILOT: one-time 500,000.
    for i, uscc in enumerate(enterprises[19:31]):
        add("A4-PILOT", uscc, 3 + i % 3, 1 + i)
    add("A4-PILOT", enterprises[0], 3, 20)  # on the blacklist at intake
    add("A4-PILOT", enterprises[19], 4, 25)  # same project again: already supported
    add("A4-PILOT", enterprises[31], 3, 21, certified="false")
    add("A4-PILOT", enterprises[32], 3, 22, field="other")
    add("A4-PILOT", enterprises[33], 3, 23, tax_in_minhang="false")
    add("A4-PILOT", enterprises[34], 3, 24, entity_type="public_institution")
    add("A4-PILOT", enterprises[35], 3, 25, major_project="true")  # waits for a case decision
    rows[-1]["project_id"] = "MH-MAJOR-001"
    add("A4-PILOT", enterprises[30], 3, 26, submitted_on="2021-05-10")  # before the policy took effect
    # The other articles.
    add(
        "A1",
        enterprises[36],
        1,
        8,
        fixed_asset_investment="8000万",
        rd_expense="3,000万",
        equipment_investment="2500万",
    )
    add("A3-INV", enterprises[36], 1, 9, investment="9000万")  # X-ONEINV: the higher of the two wins
    add(
        "A1",
        enterprises[37],
        1,
        10,
        fixed_asset_investment="6000万",
        rd_expense="9000万",
        equipment_investment="4000万",
    )
    add("A3-TITLE", enterprises[38], 2, 1, title_level="市级", project_id="LINE-7")
    add("A6-TITLE", enterprises[38], 5, 2, title_level="国家级", project_id="LINE-7")  # upgrade: the difference
    add("A4-CERT", enterprises[39], 2, 3, cert_level="网络级")
    add(
        "A5",
        enterprises[40],
        2,
        4,
        entity_type="cloud_provider",
        business_in_minhang="false",
        tax_in_minhang="false",
        claim_year=2023,
        onboarded_count=1500,
    )
    add(
        "A5",
        enterprises[40],
        2,
        5,
        entity_type="cloud_provider",
        business_in_minhang="false",
        tax_in_minhang="false",
        claim_year=2023,
        onboarded_count=900,
    )  # shares the provider's 2023 cap
    add("A6-INV", enterprises[41], 2, 6, investment="1200万")
    add("A7-START", enterprises[42], 2, 7)
    add("A7-SITE", enterprises[42], 2, 8, annual_rent="65万", lease_start="2023-07-01")
    add("A7-ALLIANCE", enterprises[43], 2, 9, claim_year=2023, activity_cost="38.5万")
    add(
        "A8",
        enterprises[44],
        2,
        10,
        claim_year=2023,
        provider_uscc=enterprises[45],
        provider_in_minhang="是",
        adopted="是",
    )
    add(
        "A8",
        enterprises[46],
        2,
        11,
        claim_year=2023,
        provider_uscc=make_uscc(rng, "440300"),
        provider_in_minhang="否",
        adopted="否",
    )
    # Bad rows: each is quarantined with its reason.
    add("A4-PILOT", "91310112MA1FL0000X", 4, 1)  # check digit wrong
    add("A2", enterprises[20], 4, 2, annual_rent="abc", lease_start="2024-01-01", **rent_ok)
    add("A2", enterprises[21], 4, 3, annual_rent="500000", **rent_ok)  # lease_start missing
    add("A4-PILOT", enterprises[22], 4, 4, submitted_on="2024-02-30")
    add("A9", enterprises[23], 4, 5)  # no such clause

    english = rows[: len(rows) // 2]
    chinese = rows[len(rows) // 2 :]
    first = write_csv(folder / "applications-en.csv", APP_COLUMNS, english)
    second = write_csv(
        folder / "applications-zh-gbk.csv",
        [APPLICATION_ZH[c] for c in APP_COLUMNS],
        chinese,
        encoding="gbk",
        keys=APP_COLUMNS,
    )

    blacklist = write_csv(
        folder / "blacklist.csv",
        ["uscc", "listed_on", "removed_on", "source"],
        [
            {"uscc": blacklisted_at_intake, "listed_on": "2024-01-15", "source": "信用中国"},
            {"uscc": blacklisted_later, "listed_on": "2025-03-01", "source": "信用中国"},
            {"uscc": enterprises[5], "listed_on": "2023-01-01", "removed_on": "2023-12-31", "source": "信用中国"},
        ],
    )
    registry = write_csv(
        folder / "registry.csv",
        ["uscc", "business_in_minhang", "tax_in_minhang", "effective_on"],
        [
            {"uscc": moved_out, "business_in_minhang": "否", "tax_in_minhang": "否", "effective_on": "2025-06-01"},
        ],
    )
    external = write_csv(
        folder / "external-awards.csv",
        ["uscc", "project_id", "kind", "amount", "policy"],
        [
            {"uscc": enterprises[3], "kind": "rent", "amount": "50万", "policy": "闵行区重点产业扶持政策"},
        ],
    )
    case = write_csv(
        folder / "case-decisions.csv",
        ["application_id", "amount", "approved_by", "document_ref", "decided_on"],
        [
            {
                "application_id": next(r["application_id"] for r in rows if r.get("major_project")),
                "amount": "800000",
                "approved_by": "区经委主任办公会",
                "document_ref": "闵经委〔2024〕12号",
                "decided_on": "2024-09-30",
            }
        ],
    )
    from subsidy.sample_bank import sample_accounts

    names: dict[str, str] = {}
    for row in rows:
        if stdnum_uscc.is_valid(str(row["uscc"])):  # not the rows meant for the quarantine
            names.setdefault(str(row["uscc"]), str(row["name"]))
    without, misnamed = enterprises[7], enterprises[8]
    accounts = sample_accounts(folder, names, without, misnamed)
    return SampleFiles(
        [first, second],
        blacklist,
        registry,
        external,
        case,
        blacklisted_at_intake,
        blacklisted_later,
        moved_out,
        accounts,
        without,
        misnamed,
    )
