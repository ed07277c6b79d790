"""What every ledger entry must match, as SQL conditions on a row ``r``: the database checks them as each entry is
inserted (the triggers of migration a1f3c5e7b9d2) and ``ledger verify`` checks them again over the whole ledger.

- a commitment is an installment of an approved decision: the decision's clause and recipient, a due year, and the
  decision's commitments together never above its award (``verify`` also holds them equal to it);
- a payment, forfeit or cancellation settles one commitment installment due by its year and not reversed: same
  recipient, clause and amount (its key ``settlement/<app>/<k>`` is held once by a unique index, so at most one per
  installment); so no payable account goes below zero;
- a reversal mirrors the entry it reverses (same amount, application, installment, clause, year and recipient, so
  the same accounts, swapped), never reverses a commitment that was settled, nor a bank transfer;
- a bank transfer (issue, reissue, clear, bounce) follows the entry before it on its installment's trail
  (``ledger.accounts.FOLLOWS``: an issue a payment, a clear or bounce an issue or reissue, a reissue a bounce) and
  carries the same amount, application, installment, clause, year and recipient; each entry is followed once (the
  unique index on ``reverses_seq``), so no payment goes to the bank twice and no transfer has two outcomes;
- a recovery step follows the entry before it the same way: a withholding a payment not sent, a retention a bounce
  not sent again (all of the amount), a claim a clear (all or part of it), a receipt the claim or the receipt before
  it, the receipts of an installment never more than its claim.

An entry's key and accounts are not stored: they follow from these columns (``ledger.accounts``).
"""

from __future__ import annotations

from ledger.accounts import BANK_TRANSFERS, FOLLOWS, TRAIL_STEPS

KINDS = ("commitment", "payment", "forfeit", "cancel", "reversal", *TRAIL_STEPS)
WHOLE_STEPS = (*BANK_TRANSFERS, "withhold", "retain")
"""The steps of a trail that move the whole amount of the entry they follow."""


def commitment_ok(r: str, same: str, new_rows_in_table: bool) -> str:
    already = "" if new_rows_in_table else f"{r}.amount_fen + "
    return f"""(
        {r}.installment IS NOT NULL AND {r}.fiscal_year IS NOT NULL
        AND EXISTS (
            SELECT 1 FROM decisions d
            WHERE d.application_id = {r}.application_id AND d.status = 'approved' AND d.clause = {r}.clause
              AND d.recipient_uscc = {r}.recipient_uscc
              AND d.award_total_fen >= {already}(
                  SELECT COALESCE(SUM(c.amount_fen), 0) FROM ledger_transactions c
                  WHERE c.application_id = {r}.application_id AND c.kind = 'commitment')))"""


def settlement_ok(r: str, same: str) -> str:
    return f"""(
        EXISTS (
            SELECT 1 FROM ledger_transactions c
            WHERE c.application_id = {r}.application_id AND c.installment = {r}.installment AND c.kind = 'commitment'
              AND c.amount_fen = {r}.amount_fen AND c.recipient_uscc = {r}.recipient_uscc AND c.clause = {r}.clause
              AND c.fiscal_year <= {r}.fiscal_year
              AND NOT EXISTS (SELECT 1 FROM ledger_transactions x WHERE x.reverses_seq = c.seq)))"""


def reversal_ok(r: str, same: str) -> str:
    return f"""(
        EXISTS (
            SELECT 1 FROM ledger_transactions o
            WHERE o.seq = {r}.reverses_seq AND o.kind IN ('commitment', 'payment', 'forfeit')
              AND o.amount_fen = {r}.amount_fen
              AND o.application_id {same} {r}.application_id AND o.installment {same} {r}.installment
              AND o.clause {same} {r}.clause AND o.fiscal_year {same} {r}.fiscal_year
              AND o.recipient_uscc {same} {r}.recipient_uscc
              AND NOT (o.kind = 'commitment' AND EXISTS (
                  SELECT 1 FROM ledger_transactions s
                  WHERE s.application_id = o.application_id AND s.installment = o.installment
                    AND s.kind IN ('payment', 'forfeit', 'cancel')))))"""


def transfer_ok(r: str, kind: str, amount: str | None = None) -> str:
    """A step of a trail follows an entry of the kinds before it (``FOLLOWS``) with the same names, and its amount
    meets ``amount`` (SQL; by default: all of the entry's)."""
    follows = ", ".join(f"'{k}'" for k in FOLLOWS[kind])
    amount = amount or f"o.amount_fen = {r}.amount_fen"
    return f"""(
        EXISTS (
            SELECT 1 FROM ledger_transactions o
            WHERE o.seq = {r}.reverses_seq AND o.kind IN ({follows}) AND {amount}
              AND o.application_id = {r}.application_id AND o.installment = {r}.installment
              AND o.clause = {r}.clause AND o.fiscal_year = {r}.fiscal_year
              AND o.recipient_uscc = {r}.recipient_uscc))"""


def claim_ok(r: str) -> str:
    """A claim takes back all or part of what cleared."""
    return transfer_ok(r, "claim", f"{r}.amount_fen > 0 AND {r}.amount_fen <= o.amount_fen")


def receipt_ok(r: str, new_rows_in_table: bool) -> str:
    """A receipt follows the claim or the receipt before it, and the receipts of an installment never come to more
    than its claim."""
    already = "" if new_rows_in_table else f"{r}.amount_fen + "
    within = f"""{r}.amount_fen > 0 AND {already}(
        SELECT COALESCE(SUM(x.amount_fen), 0) FROM ledger_transactions x
        WHERE x.kind = 'receipt' AND x.application_id = {r}.application_id AND x.installment = {r}.installment
    ) <= (SELECT SUM(c.amount_fen) FROM ledger_transactions c
          WHERE c.kind = 'claim' AND c.application_id = {r}.application_id AND c.installment = {r}.installment)"""
    return transfer_ok(r, "receipt", within)


RULES = (
    "(a commitment must be an installment of an approved decision within its award; a payment or forfeit must "
    "settle one unreversed commitment installment, same recipient and amount; a reversal must mirror its entry; "
    "a bank transfer or a recovery must follow the step before it on the trail of its installment)"
)
MESSAGE = f"ledger: entry does not match what it is for {RULES}"


def same_operator(dialect: str) -> str:
    """Equality that holds between two NULLs too."""
    return "IS NOT DISTINCT FROM" if dialect == "postgresql" else "IS"


def entry_ok(r: str, dialect: str, new_rows_in_table: bool) -> str:
    """The whole condition on an entry ``r`` of any kind (an unknown kind never holds)."""
    same = same_operator(dialect)
    return f"""COALESCE(CASE {r}.kind
        WHEN 'commitment' THEN {commitment_ok(r, same, new_rows_in_table)}
        WHEN 'payment' THEN {settlement_ok(r, same)}
        WHEN 'forfeit' THEN {settlement_ok(r, same)}
        WHEN 'cancel' THEN {settlement_ok(r, same)}
        WHEN 'reversal' THEN {reversal_ok(r, same)}
        {" ".join(f"WHEN '{kind}' THEN {transfer_ok(r, kind)}" for kind in WHOLE_STEPS)}
        WHEN 'claim' THEN {claim_ok(r)}
        WHEN 'receipt' THEN {receipt_ok(r, new_rows_in_table)}
        ELSE false END, false)"""


FIRST_UNMATCHED = "SELECT r.seq FROM ledger_transactions r WHERE NOT {ok} ORDER BY r.seq LIMIT 1"
"""The first entry of the ledger that does not match what it is for."""

FIRST_AWARD_NOT_COMMITTED = """
    SELECT d.application_id, d.award_total_fen, COALESCE(SUM(c.amount_fen), 0), MIN(c.seq)
    FROM decisions d LEFT JOIN ledger_transactions c ON c.application_id = d.application_id AND c.kind = 'commitment'
    WHERE d.status = 'approved'
    GROUP BY d.application_id, d.award_total_fen
    HAVING COALESCE(SUM(c.amount_fen), 0) <> d.award_total_fen
    ORDER BY d.application_id LIMIT 1"""
"""The first approved decision whose commitments do not sum to its award."""


def trigger_statements(dialect: str, label: str) -> list[str]:
    """The statements that make the database refuse, on insert, an entry not matching what it is for (migrations
    a1f3c5e7b9d2 and f6b1d3a5c7e9): SQLite checks each row before it is inserted; PostgreSQL each statement's new rows
    together after it, naming the first bad one by its ``seq`` and ``label`` (SQL over the new row ``n``)."""
    if dialect == "postgresql":
        return [
            f"""
            CREATE OR REPLACE FUNCTION subsidy_ledger_entries_match() RETURNS trigger AS $$
            DECLARE bad record;
            BEGIN
                SELECT n.seq, {label} AS label INTO bad FROM new_rows n
                WHERE NOT {entry_ok("n", "postgresql", True)}
                ORDER BY n.seq LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION '{MESSAGE}: #% %', bad.seq, bad.label
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """,
            "CREATE TRIGGER ledger_entries_match AFTER INSERT ON ledger_transactions "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_ledger_entries_match()",
        ]
    same = same_operator(dialect)
    checks = {
        "commitment": ("NEW.kind = 'commitment'", commitment_ok("NEW", same, False)),
        "settlement": ("NEW.kind IN ('payment', 'forfeit', 'cancel')", settlement_ok("NEW", same)),
        "reversal": ("NEW.kind = 'reversal'", reversal_ok("NEW", same)),
        **{kind: (f"NEW.kind = '{kind}'", transfer_ok("NEW", kind)) for kind in WHOLE_STEPS},
        "claim": ("NEW.kind = 'claim'", claim_ok("NEW")),
        "receipt": ("NEW.kind = 'receipt'", receipt_ok("NEW", False)),
        "kind": (f"NEW.kind NOT IN {KINDS!r}", "0"),
    }
    return [
        f"CREATE TRIGGER ledger_{name}_matches BEFORE INSERT ON ledger_transactions FOR EACH ROW WHEN {when} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}') WHERE NOT COALESCE({ok}, 0); END"
        for name, (when, ok) in checks.items()
    ]


def drop_trigger_statements(dialect: str) -> list[str]:
    """Undo ``trigger_statements``."""
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS ledger_entries_match ON ledger_transactions",
            "DROP FUNCTION IF EXISTS subsidy_ledger_entries_match()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS ledger_{name}_matches"
        for name in ("commitment", "settlement", "reversal", *TRAIL_STEPS, "kind")
    ]


ENTRY_LABEL = "n.kind || ' ' || COALESCE(n.application_id, '') || '/' || COALESCE(CAST(n.installment AS VARCHAR), '')"
"""How PostgreSQL's trigger names an entry it refuses (SQL over the new row ``n``)."""


def posted_once_and_triggers(dialect: str, posted_once: str) -> list[str]:
    """The statements that rebuild the unique index behind the business keys on ``posted_once`` and the insert
    triggers (``trigger_statements``): what a migration adding kinds of entry runs, up and down."""
    return [
        "DROP INDEX ux_ledger_posted_once",
        "CREATE UNIQUE INDEX ux_ledger_posted_once ON ledger_transactions "
        f"(application_id, installment, {posted_once})",
        *drop_trigger_statements(dialect),
        *trigger_statements(dialect, ENTRY_LABEL if dialect == "postgresql" else ""),
    ]
