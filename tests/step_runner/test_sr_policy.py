"""Poll interval policy, retry predicates and cluster/release rules (all pure)."""
import pytest

from step_runner.poll_policy import PollPolicy
from step_runner.retry import is_retriable_client_error, is_throttle, should_retry_step
from step_runner.state import ClusterVerdict, cluster_verdict, release_supports_running_cancel


def test_interval_is_fast_near_events_and_slow_in_long_running():
    p = PollPolicy()
    assert p.base_interval(0) == 5 and p.base_interval(59) == 5
    assert p.base_interval(61) == 15
    assert p.base_interval(3600) == 30


def test_jitter_stays_within_bounds():
    p = PollPolicy(jitter=0.2)
    assert p.next_delay(0, 1, lambda: 0.0) == pytest.approx(4.0)
    assert p.next_delay(0, 1, lambda: 1.0) == pytest.approx(6.0)
    assert p.next_delay(0, 1, lambda: 0.5) == pytest.approx(5.0)


def test_rate_budget_stretches_big_cycles():
    assert PollPolicy(rate_budget=0.5).next_delay(0, 27, lambda: 0.5) == pytest.approx(54.0)


def test_throttle_backoff_doubles_and_caps():
    p = PollPolicy(throttle_base=2, throttle_cap=120)
    assert [p.throttle_delay(n, lambda: 1.0) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert p.throttle_delay(20, lambda: 1.0) == 120
    assert p.throttle_delay(1, lambda: 0.0) == 1


def test_retry_predicates():
    assert is_throttle("ThrottlingException")
    assert is_retriable_client_error("ThrottlingException", 400)
    assert is_retriable_client_error("InternalServerError", 500)
    assert is_retriable_client_error("Whatever", 503)
    assert not is_retriable_client_error("AccessDeniedException", 403)
    assert not is_retriable_client_error("InvalidRequestException", 400)
    assert should_retry_step("FAILED", 1, 1, cancelling=False)
    assert should_retry_step("INTERRUPTED", 1, 2, cancelling=False)
    assert not should_retry_step("FAILED", 2, 1, cancelling=False)
    assert not should_retry_step("CANCELLED", 1, 3, cancelling=False)
    assert not should_retry_step("FAILED", 1, 3, cancelling=True)


@pytest.mark.parametrize("state,active,conc,verdict", [
    ("WAITING", 0, 1, ClusterVerdict.READY), ("RUNNING", 1, 1, ClusterVerdict.WAIT),
    ("RUNNING", 1, 2, ClusterVerdict.READY), ("STARTING", 0, 1, ClusterVerdict.WAIT),
    ("BOOTSTRAPPING", 0, 1, ClusterVerdict.WAIT), ("TERMINATING", 0, 1, ClusterVerdict.DEAD),
    ("TERMINATED_WITH_ERRORS", 0, 1, ClusterVerdict.DEAD)])
def test_cluster_verdicts(state, active, conc, verdict):
    assert cluster_verdict(state, active, conc) is verdict


@pytest.mark.parametrize("label,ok", [("emr-5.27.1", False), ("emr-5.28.0", True), ("emr-4.9.6", False),
                                      ("emr-6.15.0", True), ("emr-7.5.0", True), (None, True)])
def test_running_cancel_needs_5_28(label, ok):
    assert release_supports_running_cancel(label) is ok
