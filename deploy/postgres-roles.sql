-- The application role on PostgreSQL: INSERT and SELECT only on the ledger tables, so not even a bug in the
-- application can change or delete a ledger entry (the append-only triggers refuse it too). Run as the owner
-- of the database after the schema exists (`subsidy db upgrade` as the owner), then let the application connect
-- as subsidy_app. Replace the password; the application reads its URL only from SUBSIDY_DATABASE_URL.
CREATE ROLE subsidy_app LOGIN PASSWORD 'change-me';
GRANT USAGE ON SCHEMA public TO subsidy_app;
GRANT SELECT ON alembic_version TO subsidy_app;
GRANT SELECT, INSERT ON ledger_transactions TO subsidy_app;
GRANT SELECT, INSERT, UPDATE ON intake_runs, reference_loads, blacklist_entries, registry_entries, external_awards,
    case_decisions, applications, decisions, quarantine, cycles, inbox_files, parameter_sets
    TO subsidy_app;
GRANT SELECT, INSERT ON onboarding_entries TO subsidy_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO subsidy_app;
