from step_runner.plan.dag import descendants, find_cycle, topological_order


def test_topological_order_keeps_file_order_for_ties():
    assert topological_order({"c": ("a",), "a": (), "b": ()}) == ["a", "b", "c"]


def test_find_cycle_none_for_dag_and_path_for_cycle():
    assert find_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None
    assert find_cycle({"a": ["b"], "b": ["a"]}) == ["a", "b", "a"]


def test_descendants_are_transitive():
    deps = {"a": (), "b": ("a",), "c": ("b",), "d": ()}
    assert descendants(deps, "a") == {"b", "c"}
    assert descendants(deps, "d") == set()
