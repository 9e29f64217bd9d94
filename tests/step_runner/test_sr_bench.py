import math

from scripts.bench_poll import measure


def test_poll_cycle_for_256_steps_stays_within_budget():
    assert measure()["poll_calls_per_cycle_256_steps"] <= math.ceil(256 / 10) + 1 == 27
