"""How long to sleep between poll cycles: fast after submissions and transitions, slower while
steps run unchanged, never faster than the API rate budget, and backing off on throttling."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Random = Callable[[], float]


@dataclass(frozen=True)
class PollPolicy:
    """Intervals in seconds. `rate_budget` is EMR calls per second one poller may spend."""

    fast: float = 5.0
    medium: float = 15.0
    slow: float = 30.0
    fast_window: float = 60.0
    medium_window: float = 300.0
    jitter: float = 0.2
    rate_budget: float = 1.0
    throttle_base: float = 2.0
    throttle_cap: float = 120.0
    cluster_wait: float = 20.0

    def base_interval(self, since_last_event: float) -> float:
        """Interval for a cycle given seconds since the last submission or state change."""
        if since_last_event < self.fast_window:
            return self.fast
        if since_last_event < self.medium_window:
            return self.medium
        return self.slow

    def next_delay(self, since_last_event: float, calls_per_cycle: int, rand: Random) -> float:
        """Jittered interval, stretched so calls_per_cycle stays under the rate budget."""
        base = max(self.base_interval(since_last_event), calls_per_cycle / self.rate_budget)
        return base * (1.0 + self.jitter * (2.0 * rand() - 1.0))

    def throttle_delay(self, consecutive_throttles: int, rand: Random) -> float:
        """Exponential backoff with half jitter after `consecutive_throttles` (>= 1) throttled cycles."""
        n = max(1, consecutive_throttles)
        ceiling = min(self.throttle_cap, self.throttle_base * 2 ** (n - 1))
        return ceiling * (0.5 + 0.5 * rand())
