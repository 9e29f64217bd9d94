"""Custom automatic scaling, tick by tick, on metrics written by hand: every number here is worked out in the
comments. Nodes take 300 s to join and leave at once unless they hold work.

The rules: CloudWatch evaluates each alarm every minute over periods that end at that minute, re-invokes the
action every minute the alarm stays in ALARM; a group does one resize at a time; CoolDown counts from the end
of a resize; the rule giving the largest capacity wins; MinCapacity/MaxCapacity clamp.
"""
from __future__ import annotations

from emr_scaling.cluster.state import DECOMMISSIONING, RUNNING
from emr_scaling.policies.custom import CustomScaler
from tests.emr_scaling.hand import policy, rule, series, shape, state


def run(cluster, data: dict, until: int, start: int = 60):
    """Step minute by minute: nodes join or leave, finished resizes start their cooldown, the rules act.
    Returns the events and the task group's requested size at each minute."""
    st = state(cluster)
    events, sizes = [], {}
    scaler = CustomScaler(st, data, cluster.decommission_timeout_seconds)
    emit = lambda t, group, action, a, b, rule_name, why: events.append((t, group, action, a, b, rule_name))  # noqa
    for t in range(start, until + 1, 60):
        st.advance(t, set())
        for pool, _ in st.settle(t):
            events.append((t, pool.name, "resize_done", None, None, None))
        scaler.evaluate(t, emit)
        sizes[t] = {p.name: p.units() for p in st.pools}
    return st, [e for e in events if e[2] != "alarm"], sizes


def test_evaluation_periods_resizing_and_cooldown():
    # Out +1 when available YARN memory < 15 % for 2 periods; CoolDown 600 s. Data every 5 minutes.
    cluster = shape(core=2, task=2, task_policy=policy(1, 5, rule("out", "YARNMemoryAvailablePercentage", "LESS_THAN",
                                                                  15, 1, periods=2, cooldown=600)))
    data = {"YARNMemoryAvailablePercentage": series({300: 50, 600: 10, 900: 10, 1200: 10, 1500: 10, 1800: 10,
                                                     2100: 50, 2400: 50})}
    _, events, sizes = run(cluster, data, 2700)
    # t=600: periods (0,300] 50 and (300,600] 10: one breach of two -> OK. t=840: (240,540] holds 300 -> 50: OK.
    # t=900: (300,600] 10 and (600,900] 10 -> ALARM: 2 -> 3. The node joins at 1200; cooldown until 1800.
    # t=1800: still 10, 10 -> 3 -> 4, joins at 2100. t=2100: (1800,2100] holds 50 -> OK: no more.
    assert events == [
        (900, "task", "scale_out", 2, 3, "out"), (960, "task", "resizing", 3, 3, "out"),
        (1200, "task", "resize_done", None, None, None), (1200, "task", "cooldown", 3, 3, "out"),
        (1800, "task", "scale_out", 3, 4, "out"), (1860, "task", "resizing", 4, 4, "out"),
        (2100, "task", "resize_done", None, None, None)]
    assert sizes[840]["task"] == 2 and sizes[900]["task"] == 3 and sizes[1740]["task"] == 3 and sizes[2700]["task"] == 4


def test_percentage_rounds_then_clamps_to_max_capacity():
    # +50 % when ContainerPendingRatio > 1; no cooldown; MaxCapacity 7. From 4: 4 + 2 = 6 (at 300, joins at 600);
    # then 6 + 3 = 9, clamped to 7 (at 600, joins at 900); then at MaxCapacity: blocked.
    cluster = shape(task=4, task_policy=policy(0, 7, rule("pct", "ContainerPendingRatio", "GREATER_THAN", 1, 50,
                                                          kind="PERCENT_CHANGE_IN_CAPACITY")))
    data = {"ContainerPendingRatio": series({t: 5 for t in range(300, 1501, 300)})}
    _, events, sizes = run(cluster, data, 1500)
    assert [e for e in events if e[2] in ("scale_out", "blocked")] == [
        (300, "task", "scale_out", 4, 6, "pct"), (600, "task", "scale_out", 6, 7, "pct"),
        (900, "task", "blocked", 7, 7, "pct")]
    assert sizes[1500]["task"] == 7


def test_rules_that_breach_together_the_largest_capacity_wins():
    # Both out-rules and a scale-in rule are in ALARM at 300: +1, +3 and -2 from 4 -> 5, 7, 2: +3 wins.
    cluster = shape(task=4, task_policy=policy(0, 10,
                                               rule("out-memory", "YARNMemoryAvailablePercentage", "LESS_THAN", 15, 1),
                                               rule("out-pending", "ContainerPendingRatio", "GREATER_THAN", 2, 3),
                                               rule("in-idle", "AppsPending", "LESS_THAN", 1, -2, cooldown=3600)))
    data = {"YARNMemoryAvailablePercentage": series({300: 5}), "ContainerPendingRatio": series({300: 4}),
            "AppsPending": series({300: 0})}
    _, events, _ = run(cluster, data, 300, start=300)
    assert events == [(300, "task", "scale_out", 4, 7, "out-pending")]


def test_missing_data_never_fires():
    # One data point at 300, then none: ALARM while the point is in the evaluation range (3 periods for one),
    # then INSUFFICIENT_DATA; with a 3600 s cooldown the one resize is all there is.
    cluster = shape(task=1, task_policy=policy(0, 9, rule("out", "AppsPending", "GREATER_THAN", 0, 1, cooldown=3600)))
    st, events, sizes = run(cluster, {"AppsPending": series({300: 3})}, 2400, start=300)
    assert [e[2] for e in events] == ["scale_out", "resizing", "resize_done", "cooldown"]
    assert sizes[2400]["task"] == 2
    assert st.pools[1].alarms["out"] == "INSUFFICIENT_DATA"
    assert run(cluster, {}, 1200)[1] == []  # a metric that never comes: nothing happens


def test_scale_in_picks_idle_nodes_and_waits_for_busy_ones():
    # -2 from 3 task nodes: the idle one and the one with fewest containers go; the busy one leaves only when its
    # containers and the applications that ran there end, or at the decommission timeout (600 s here).
    cluster = shape(task=3, decommission=600, task_policy=policy(0, 3, rule("in", "IsIdle", "GREATER_THAN", 0.5, -2)))
    st = state(cluster)
    task = st.pools[1]
    busy, light, idle = task.nodes
    busy.executors, busy.used_mb, busy.apps_seen = {0: 3}, 3000, {0: 0.0}
    light.executors, light.used_mb, light.apps_seen = {0: 1}, 1000, {0: 0.0}
    chosen, refusal = st.shrink(task, 2, 300, 600)
    assert [n.id for n in chosen] == [idle.id, light.id] and refusal is None
    assert st.advance(300, running_apps={0}) == [idle]  # no containers at the start: it leaves at once
    assert light.state == DECOMMISSIONING and busy.state == RUNNING
    light.executors, light.used_mb = {}, 0  # its executor goes, but application 0 still runs: it waits
    assert st.advance(600, running_apps={0}) == []
    assert st.advance(900, running_apps={0}) == [light]  # the 600 s timeout: forced out


def test_hdfs_holds_core_nodes_that_its_blocks_need():
    # 4 core nodes of 100 GB, dfs.replication 2, 150 GB stored -> 300 GB on disk. EXACT_CAPACITY 1 wants 3 out:
    # 2 nodes would hold 200 GB < 300 GB, so only 1 node goes (SCD: "only a partial amount of core instances").
    cluster = shape(core=4, replication=2, core_policy=policy(1, 4, rule("in", "IsIdle", "GREATER_THAN", 0.5, 1,
                                                                          kind="EXACT_CAPACITY")))
    st = state(cluster)
    st.hdfs_used_gb = 150
    chosen, refusal = st.shrink(st.pools[0], 3, 300, 3600)
    assert len(chosen) == 1 and refusal.code == "hdfs" and "less than the 300 GB stored" in refusal.reason


def test_core_nodes_never_go_below_replication():
    cluster = shape(core=4, replication=3, core_policy=policy(1, 4, rule("in", "IsIdle", "GREATER_THAN", 0.5, -3)))
    data = {"IsIdle": series({300: 1})}
    st, events, sizes = run(cluster, data, 300, start=300)
    assert sizes[300]["core"] == 3
    assert ("blocked" in [e[2] for e in events]) and st.pools[0].count(RUNNING) == 3
