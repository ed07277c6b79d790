"""Prefect flows: intake, disbursement cycle, exports and checks, demo. Flows only call tasks."""
