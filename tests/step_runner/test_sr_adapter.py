"""EmrAdapter against botocore Stubber: exact call sequences, batching, pagination, errors."""
import pytest

from step_runner.aws.emr_adapter import EmrAdapter
from step_runner.errors import AwsCallError, ClusterNotFoundError, ThrottledError, TransientAwsError
from step_runner.state import FailureInfo

from .conftest import cluster, summary


def test_list_steps_batches_ten_ids_per_call(emr_stub):
    client, stub = emr_stub
    ids = [f"s-{i:02d}" for i in range(25)]
    for batch in (ids[:10], ids[10:20], ids[20:]):
        stub.add_response("list_steps", {"Steps": [summary(i, "x", "RUNNING") for i in batch]},
                          {"ClusterId": "j-1", "StepIds": batch})
    adapter = EmrAdapter(client)
    found = adapter.list_steps("j-1", ids)
    assert [o.step_id for o in found] == ids
    assert adapter.calls == 3


def test_list_steps_follows_markers(emr_stub):
    client, stub = emr_stub
    stub.add_response("list_steps", {"Steps": [summary("s-1", "a", "RUNNING")], "Marker": "m1"},
                      {"ClusterId": "j-1", "StepIds": ["s-1", "s-2"]})
    stub.add_response("list_steps", {"Steps": [summary("s-2", "b", "FAILED", failure={
        "Reason": "Unknown Error.", "Message": "boom", "LogFile": "s3://l/stderr.gz"})]},
        {"ClusterId": "j-1", "StepIds": ["s-1", "s-2"], "Marker": "m1"})
    found = EmrAdapter(client).list_steps("j-1", ["s-1", "s-2"])
    assert [o.state for o in found] == ["RUNNING", "FAILED"]
    assert found[1].failure == FailureInfo("Unknown Error.", "boom", "s3://l/stderr.gz")


def test_all_steps_pages_of_fifty_stop_at_older_steps(emr_stub):
    from .conftest import at
    client, stub = emr_stub
    page1 = [summary(f"s-{i}", "x", "COMPLETED", created=100 - i) for i in range(50)]
    page2 = [summary("s-50", "x", "COMPLETED", created=45), summary("s-51", "x", "COMPLETED", created=-30)]
    stub.add_response("list_steps", {"Steps": page1, "Marker": "p2"}, {"ClusterId": "j-1"})
    stub.add_response("list_steps", {"Steps": page2, "Marker": "p3"}, {"ClusterId": "j-1", "Marker": "p2"})
    found = list(EmrAdapter(client).iter_all_steps("j-1", created_after=at(0)))
    assert len(found) == 51


def test_add_steps_one_call_for_many_steps(emr_stub):
    client, stub = emr_stub
    configs = [{"Name": f"s{i}", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit"]}}
               for i in range(3)]
    stub.add_response("add_job_flow_steps", {"StepIds": ["s-1", "s-2", "s-3"]},
                      {"JobFlowId": "j-1", "Steps": configs})
    assert EmrAdapter(client).add_steps("j-1", configs) == ["s-1", "s-2", "s-3"]


def test_cluster_by_name_paginates_and_rejects_ambiguity(emr_stub):
    client, stub = emr_stub
    states = ["BOOTSTRAPPING", "RUNNING", "STARTING", "WAITING"]
    stub.add_response("list_clusters", {"Clusters": [{"Id": "j-A", "Name": "other"}], "Marker": "m"},
                      {"ClusterStates": states})
    stub.add_response("list_clusters", {"Clusters": [{"Id": "j-B", "Name": "spark"}]},
                      {"ClusterStates": states, "Marker": "m"})
    assert EmrAdapter(client).find_cluster_by_name("spark") == "j-B"
    stub.add_response("list_clusters", {"Clusters": [{"Id": "j-B", "Name": "spark"}, {"Id": "j-C", "Name": "spark"}]},
                      {"ClusterStates": states})
    with pytest.raises(ClusterNotFoundError, match="2 active clusters"):
        EmrAdapter(client).find_cluster_by_name("spark")
    stub.add_response("list_clusters", {"Clusters": []}, {"ClusterStates": states})
    with pytest.raises(ClusterNotFoundError, match="no active cluster"):
        EmrAdapter(client).find_cluster_by_name("spark")


def test_errors_become_typed(emr_stub):
    client, stub = emr_stub
    adapter = EmrAdapter(client)
    stub.add_client_error("list_steps", "ThrottlingException", "Rate exceeded", 400)
    with pytest.raises(ThrottledError):
        adapter.list_steps("j-1", ["s-1"])
    stub.add_client_error("describe_cluster", "InternalServerError", "oops", 500)
    with pytest.raises(TransientAwsError):
        adapter.describe_cluster("j-1")
    stub.add_client_error("describe_cluster", "AccessDeniedException", "no", 403)
    with pytest.raises(AwsCallError, match="AccessDenied"):
        adapter.describe_cluster("j-1")
    stub.add_client_error("describe_cluster", "InvalidRequestException", "Cluster id 'j-X' is not valid.", 400)
    with pytest.raises(ClusterNotFoundError):
        adapter.describe_cluster("j-X")


def test_cancel_steps_with_and_without_option(emr_stub):
    client, stub = emr_stub
    stub.add_response("cancel_steps", {"CancelStepsInfoList": [{"StepId": "s-1", "Status": "SUBMITTED"}]},
                      {"ClusterId": "j-1", "StepIds": ["s-1"], "StepCancellationOption": "SEND_INTERRUPT"})
    stub.add_response("cancel_steps", {"CancelStepsInfoList": []}, {"ClusterId": "j-1", "StepIds": ["s-1"]})
    adapter = EmrAdapter(client)
    assert adapter.cancel_steps("j-1", ["s-1"], "SEND_INTERRUPT")[0]["Status"] == "SUBMITTED"
    assert adapter.cancel_steps("j-1", ["s-1"], None) == []


def test_describe_cluster_reads_concurrency_release_and_log_uri(emr_stub):
    client, stub = emr_stub
    stub.add_response("describe_cluster", cluster("WAITING", concurrency=5, release="emr-5.27.0"), {"ClusterId": "j-TEST"})
    info = EmrAdapter(client).describe_cluster("j-TEST")
    assert (info.state, info.step_concurrency_level, info.log_uri) == ("WAITING", 5, "s3n://example-logs/emr/")
    assert not info.can_cancel_running


@pytest.mark.parametrize("message,full", [
    ("Maximum number of active steps(State = 'Running', 'Pending' or 'Cancel_Pending') for cluster exceeded.", True),
    ("Maximum number of active steps(State = 'Running', 'Pending' or 'Cancel_Pending') for cluster exceeded", True),
    ("Action on failure 'CANCEL_AND_WAIT' is invalid.", False),
])
def test_emr_s_cluster_full_refusal_is_told_apart(emr_stub, message, full):
    from botocore.stub import ANY

    from step_runner.errors import ClusterFullError
    client, stub = emr_stub
    stub.add_client_error("add_job_flow_steps", "ValidationException", message, 400,
                          expected_params={"JobFlowId": "j-1", "Steps": ANY})
    with pytest.raises(AwsCallError) as info:
        EmrAdapter(client).add_steps("j-1", [{"Name": "a", "HadoopJarStep": {"Jar": "command-runner.jar"}}])
    assert isinstance(info.value, ClusterFullError) is full
