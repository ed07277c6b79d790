-- The application role on PostgreSQL: it may do what the code does and nothing more. It reads everything and
-- inserts rows; it updates only the columns the code updates after an insert (a run's counts and dataset checks,
-- a cycle's totals and chain head, a manual decision decided by its case decision); it deletes and truncates
-- nothing. Reference data are insert-only snapshots, applications and the ledger are append-only (the ledger's
-- triggers refuse UPDATE and DELETE even to the owner). tests/ledger/test_app_role.py tries every UPDATE, DELETE
-- and TRUNCATE on every table as this role.
-- Run as the owner of the database after the schema exists (`subsidy db upgrade` as the owner), then let the
-- application connect as subsidy_app. Replace the password; the application reads its URL only from
-- SUBSIDY_DATABASE_URL.
CREATE ROLE subsidy_app LOGIN PASSWORD 'change-me';
GRANT USAGE ON SCHEMA public TO subsidy_app;
GRANT SELECT ON alembic_version TO subsidy_app;
GRANT SELECT, INSERT ON ledger_transactions, journal_batches, intake_runs, cycles, decisions, applications, quarantine,
    inbox_files, parameter_sets, reference_loads, blacklist_entries, registry_entries, external_awards,
    case_decisions, onboarding_entries, bank_account_entries, payment_files, payment_lines, bank_returns,
    recoveries
    TO subsidy_app;
GRANT UPDATE (validation, blacklist_load_id, rows_read, decided, unchanged, quarantined) ON intake_runs TO subsidy_app;
GRANT UPDATE (paid_count, paid_fen, forfeited_count, forfeited_fen, chain_head) ON cycles TO subsidy_app;
GRANT UPDATE (status, reasons, award_total_fen, decided_on, trace, parameter_set, intake_run_id) ON decisions
    TO subsidy_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO subsidy_app;
