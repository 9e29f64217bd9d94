"""The CloudWatch Logs naming contract shared with the cluster side and the emulator."""
import pytest

from emr_contract import log_naming as n


def test_exact_names():
    assert n.log_group_from_cluster_id("j-1ABC") == "/aws/emr/j-1ABC"
    assert n.log_group_for("j-1ABC") == "/aws/emr/j-1ABC"
    assert n.log_group_for("j-1ABC", "/aws/emr/spark-dev") == "/aws/emr/spark-dev"
    assert n.step_stream_prefix("j-1ABC", "s-2XYZ") == "j-1ABC/steps/s-2XYZ/"
    assert n.step_stream("j-1ABC", "s-2XYZ", "stdout") == "j-1ABC/steps/s-2XYZ/stdout"
    assert n.step_stream("j-1ABC", "s-2XYZ", "stderr") == "j-1ABC/steps/s-2XYZ/stderr"
    app = "application_1764072000000_0011"
    assert n.driver_container_id(app) == "container_1764072000000_0011_01_000001"
    assert n.driver_container_id(app, attempt=2) == "container_1764072000000_0011_02_000001"
    assert n.container_stream("j-1ABC", app, "container_1764072000000_0011_01_000003") == (
        "j-1ABC/containers/application_1764072000000_0011/container_1764072000000_0011_01_000003/stderr")
    assert n.driver_stream("j-1ABC", app) == (
        "j-1ABC/containers/application_1764072000000_0011/container_1764072000000_0011_01_000001/stderr")
    assert n.driver_stream("j-1ABC", app, "stdout").endswith("_000001/stdout")
    assert n.container_stream_prefix("j-1ABC", app) == "j-1ABC/containers/application_1764072000000_0011/"


def test_parse_is_the_inverse():
    assert n.parse_stream_name("j-1/steps/s-2/stderr") == n.StreamRef("j-1", "stderr", step_id="s-2")
    name = n.driver_stream("j-1", "application_1_0002", "stdout")
    assert n.parse_stream_name(name) == n.StreamRef("j-1", "stdout", application_id="application_1_0002",
                                                    container_id="container_1_0002_01_000001")
    assert n.parse_stream_name("j-1/containers/application_1_0002/container_e03_1_0002_01_000004/stderr").container_id \
        == "container_e03_1_0002_01_000004"
    for bad in ("j-1/steps/s-2/syslog", "j-1/steps/s-2", "other/stream", "j-1/containers/app/c/stderr"):
        assert n.parse_stream_name(bad) is None


@pytest.mark.parametrize("call", [
    lambda: n.step_stream("j-1", "s-2", "syslog"),
    lambda: n.step_stream("j-1", "s:2", "stdout"),
    lambda: n.step_stream("j/1", "s-2", "stdout"),
    lambda: n.driver_container_id("app_1_2"),
    lambda: n.driver_container_id("application_1_2", attempt=0),
    lambda: n.container_stream("j-1", "application_1_2", "not-a-container"),
    lambda: n.log_group_for("j-1", "bad group name with spaces"),
])
def test_names_outside_the_contract_are_refused(call):
    with pytest.raises(ValueError):
        call()
