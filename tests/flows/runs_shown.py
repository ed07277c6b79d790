"""What the Prefect UI shows of a flow run: its task runs, artifacts and log lines."""

from __future__ import annotations


def task_names(run_id):  # type: ignore[no-untyped-def]
    """The names of a flow run's task runs, in the order they started (without the run number Prefect adds)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return [t.name.rsplit("-", 1)[0] for t in sorted(runs, key=lambda t: t.start_time or t.expected_start_time)]


def run_shown(run_id):  # type: ignore[no-untyped-def]
    """The flow run, its artifacts by key and its log messages."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        artifacts = {
            a.key: a.data
            for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )
        }
        APILogWorker.drain_all(timeout=5)  # the run's log lines are sent in the background
        shown = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
        logs = [entry.message for entry in client.read_logs(log_filter=shown)]
    return run, artifacts, logs
