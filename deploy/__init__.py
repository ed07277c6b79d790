"""Prefect deployments of the subsidy flows, their schedules and the serve entry point."""
