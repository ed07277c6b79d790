"""What every ledger entry must match, as SQL conditions on a row ``r``: the database checks them as each entry is
inserted (the triggers of migration a1f3c5e7b9d2) and ``ledger verify`` checks them again over the whole ledger.

- a commitment is an installment of an approved decision: its key ``commitment/<app>/<k>``, the decision's clause
  and recipient, ``budget:<clause>:<year>`` to ``payable:<recipient>``, and the decision's commitments together
  never above its award (``verify`` also holds them equal to it);
- a payment or forfeit settles one commitment installment due by its year and not reversed: key
  ``settlement/<app>/<k>`` (unique, so at most one per installment), same recipient, clause and amount,
  ``payable:<recipient>`` to ``paid:``/``forfeited:<clause>:<year>``; so no payable account goes below zero;
- a reversal mirrors the entry it reverses (key ``reversal/<seq>``, accounts swapped, same amount) and never
  reverses a commitment that was settled.
"""

from __future__ import annotations

KINDS = ("commitment", "payment", "forfeit", "reversal")


def commitment_ok(r: str, same: str, new_rows_in_table: bool) -> str:
    already = "" if new_rows_in_table else f"{r}.amount_fen + "
    return f"""(
        {r}.business_key = 'commitment/' || {r}.application_id || '/' || {r}.installment
        AND {r}.debit_account = 'budget:' || {r}.clause || ':' || {r}.fiscal_year
        AND {r}.credit_account = 'payable:' || {r}.recipient_uscc
        AND EXISTS (
            SELECT 1 FROM decisions d
            WHERE d.application_id = {r}.application_id AND d.status = 'approved' AND d.clause = {r}.clause
              AND d.recipient_uscc = {r}.recipient_uscc
              AND d.award_total_fen >= {already}(
                  SELECT COALESCE(SUM(c.amount_fen), 0) FROM ledger_transactions c
                  WHERE c.application_id = {r}.application_id AND c.kind = 'commitment')))"""


def settlement_ok(r: str, same: str) -> str:
    return f"""(
        {r}.business_key = 'settlement/' || {r}.application_id || '/' || {r}.installment
        AND {r}.debit_account = 'payable:' || {r}.recipient_uscc
        AND {r}.credit_account =
            (CASE {r}.kind WHEN 'payment' THEN 'paid:' ELSE 'forfeited:' END) || {r}.clause || ':' || {r}.fiscal_year
        AND EXISTS (
            SELECT 1 FROM ledger_transactions c
            WHERE c.application_id = {r}.application_id AND c.installment = {r}.installment AND c.kind = 'commitment'
              AND c.amount_fen = {r}.amount_fen AND c.recipient_uscc = {r}.recipient_uscc AND c.clause = {r}.clause
              AND c.fiscal_year <= {r}.fiscal_year
              AND NOT EXISTS (SELECT 1 FROM ledger_transactions x WHERE x.reverses_seq = c.seq)))"""


def reversal_ok(r: str, same: str) -> str:
    return f"""(
        {r}.business_key = 'reversal/' || {r}.reverses_seq
        AND EXISTS (
            SELECT 1 FROM ledger_transactions o
            WHERE o.seq = {r}.reverses_seq AND o.kind <> 'reversal' AND o.amount_fen = {r}.amount_fen
              AND o.debit_account = {r}.credit_account AND o.credit_account = {r}.debit_account
              AND o.application_id {same} {r}.application_id AND o.installment {same} {r}.installment
              AND NOT (o.kind = 'commitment' AND EXISTS (
                  SELECT 1 FROM ledger_transactions s
                  WHERE s.application_id = o.application_id AND s.installment = o.installment
                    AND s.kind IN ('payment', 'forfeit')))))"""


RULES = (
    "(a commitment must be an installment of an approved decision within its award; a payment or forfeit must "
    "settle one unreversed commitment installment, same recipient and amount; a reversal must mirror its entry)"
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
        WHEN 'reversal' THEN {reversal_ok(r, same)}
        ELSE false END, false)"""


FIRST_UNMATCHED = "SELECT r.seq, r.business_key FROM ledger_transactions r WHERE NOT {ok} ORDER BY r.seq LIMIT 1"
"""The first entry of the ledger that does not match what it is for."""

FIRST_AWARD_NOT_COMMITTED = """
    SELECT d.application_id, d.award_total_fen, COALESCE(SUM(c.amount_fen), 0), MIN(c.seq)
    FROM decisions d LEFT JOIN ledger_transactions c ON c.application_id = d.application_id AND c.kind = 'commitment'
    WHERE d.status = 'approved'
    GROUP BY d.application_id, d.award_total_fen
    HAVING COALESCE(SUM(c.amount_fen), 0) <> d.award_total_fen
    ORDER BY d.application_id LIMIT 1"""
"""The first approved decision whose commitments do not sum to its award."""
