"""Seeded synthetic input for the benchmark: N applications over every clause in realistic proportions
(diagnosis reports and rent claims most common), about 3 applications per enterprise, 1 % bad rows, and a
blacklist naming 2 % of the enterprises.

    .venv/bin/python bench/synthetic.py --n 100000 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from subsidy.sample import APP_COLUMNS, make_uscc  # noqa: E402

# Share of each clause among the applications (sums to 1).
CLAUSE_SHARES = {
    "A8": 0.30,
    "A2": 0.25,
    "A4-PILOT": 0.08,
    "A7-SITE": 0.06,
    "A5": 0.06,
    "A4-CERT": 0.05,
    "A7-ALLIANCE": 0.04,
    "A3-TITLE": 0.03,
    "A6-TITLE": 0.02,
    "A1": 0.03,
    "A3-INV": 0.03,
    "A6-INV": 0.03,
    "A7-START": 0.02,
}
FIELDS = ["ai", "intelligent_manufacturing", "industrial_internet"]
# Ways a row goes bad (each about equally often among the 1 %).
BAD_KINDS = ["uscc", "amount", "date", "clause", "missing"]


def _money(rng: random.Random, low: int, high: int) -> str:
    """An amount in one of the accepted spellings."""
    value = rng.randint(low, high)
    style = rng.random()
    if style < 0.6:
        return str(value)
    if style < 0.8:
        return f"{value:,}"
    if style < 0.9:
        return f"¥{value:,}"
    return f"{value / 10000:.4f}".rstrip("0").rstrip(".") + "万"


def _clause_fields(clause: str, rng: random.Random, providers: list[str]) -> dict[str, object]:
    if clause == "A1":
        return {
            "fixed_asset_investment": _money(rng, 20_000_000, 200_000_000),
            "rd_expense": _money(rng, 1_000_000, 50_000_000),
            "equipment_investment": _money(rng, 1_000_000, 50_000_000),
        }
    if clause == "A2":
        return {
            "paid_in_capital": rng.choice(["500万", "4000000", "9000000", "1,200万"]),
            "headcount": rng.randint(20, 200),
            "financing": rng.choice(["3000万", "2000万元", "15000000", "80,000,000"]),
            "annual_rent": _money(rng, 100_000, 2_000_000),
            "lease_start": f"{rng.randint(2021, 2024)}-{rng.randint(1, 12):02d}-01",
        }
    if clause in ("A3-INV", "A6-INV"):
        return {"investment": _money(rng, 5_000_000, 150_000_000)}
    if clause in ("A3-TITLE", "A6-TITLE"):
        return {"title_level": rng.choice(["municipal", "national", "市级", "国家级"])}
    if clause == "A4-CERT":
        return {"cert_level": rng.choice(["completed", "process", "network", "ecosystem", "流程级"])}
    if clause == "A5":
        return {
            "entity_type": "cloud_provider",
            "claim_year": rng.choice([2022, 2023]),
            "onboarded_count": rng.randint(50, 2500),
        }
    if clause == "A7-SITE":
        return {"annual_rent": _money(rng, 100_000, 900_000), "lease_start": f"{rng.randint(2021, 2024)}-07-01"}
    if clause == "A7-ALLIANCE":
        return {"claim_year": rng.choice([2022, 2023]), "activity_cost": _money(rng, 50_000, 400_000)}
    if clause == "A8":
        in_minhang = rng.random() < 0.7
        return {
            "claim_year": rng.choice([2022, 2023]),
            "provider_uscc": rng.choice(providers) if in_minhang else make_uscc(rng, "440300"),
            "provider_in_minhang": "是" if in_minhang else "否",
            "adopted": rng.choice(["是", "否", "true", "false"]),
        }
    return {}


def _spoil(row: dict[str, object], rng: random.Random) -> None:
    kind = rng.choice(BAD_KINDS)
    if kind == "uscc":
        text = str(row["uscc"])
        row["uscc"] = text[:-1] + ("0" if text[-1] != "0" else "1")
    elif kind == "amount":
        row["annual_rent"] = rng.choice(["abc", "-5", "1e400", "12..5"])
        row["clause"] = "A2"
        row["lease_start"] = "2024-01-01"
    elif kind == "date":
        row["submitted_on"] = rng.choice(["2024-02-30", "yesterday", "2024/13/01"])
    elif kind == "clause":
        row["clause"] = "A9"
    else:
        row["business_in_minhang"] = ""


def make_inputs(folder: Path, n: int, seed: int = 1) -> tuple[Path, Path]:
    """Write ``applications.csv`` (N rows) and ``blacklist.csv`` into ``folder``; return both paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    enterprises = [make_uscc(rng) for _ in range(max(1, n // 3))]
    providers = [make_uscc(rng) for _ in range(max(1, n // 200))]
    clauses = list(CLAUSE_SHARES)
    weights = list(CLAUSE_SHARES.values())
    apps = folder / "applications.csv"
    with open(apps, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(APP_COLUMNS)
        picks = rng.choices(clauses, weights, k=n)
        for i, clause in enumerate(picks):
            uscc = rng.choice(enterprises)
            row: dict[str, object] = {
                "application_id": f"B{i:08d}",
                "clause": clause,
                "uscc": uscc,
                "name": f"闵行企业{uscc[-6:]}",
                "submitted_on": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "business_in_minhang": "true" if rng.random() < 0.97 else "false",
                "tax_in_minhang": "true",
                "field": rng.choice(FIELDS) if rng.random() < 0.97 else "other",
                "certified": "true" if rng.random() < 0.95 else "false",
            }
            if rng.random() < 0.3:
                row["project_id"] = f"P-{uscc[-4:]}-{rng.randint(1, 3)}"
            row.update(_clause_fields(clause, rng, providers))
            if rng.random() < 0.002:
                row["major_project"] = "true"
            if rng.random() < 0.01:
                _spoil(row, rng)
            writer.writerow(["" if row.get(k) is None else row[k] for k in APP_COLUMNS])
    blacklist = folder / "blacklist.csv"
    with open(blacklist, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["uscc", "listed_on", "removed_on", "source"])
        for uscc in rng.sample(enterprises, max(1, len(enterprises) // 50)):
            removed = "2024-03-01" if rng.random() < 0.2 else ""
            writer.writerow([uscc, f"2023-{rng.randint(1, 12):02d}-01", removed, "信用中国"])
    return apps, blacklist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    apps, blacklist = make_inputs(args.out, args.n, args.seed)
    print(apps, blacklist)


if __name__ == "__main__":
    main()
