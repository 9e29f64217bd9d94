"""Dependency graph checks for step specs: unknown names, self-edges and cycles."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import Problem


def dependency_problems(deps: Mapping[str, Sequence[str]]) -> list[Problem]:
    """Every problem with `depends_on` edges, so the user fixes them in one pass."""
    problems: list[Problem] = []
    for name, wanted in deps.items():
        for dep in wanted:
            if dep == name:
                problems.append(Problem(f"steps[{name}].depends_on", dep, "a step cannot depend on itself"))
            elif dep not in deps:
                problems.append(Problem(f"steps[{name}].depends_on", dep, "must name another step in this file"))
    cycle = find_cycle({n: [d for d in ds if d in deps and d != n] for n, ds in deps.items()})
    if cycle:
        problems.append(
            Problem("depends_on", " -> ".join(cycle), "dependencies must not form a cycle")
        )
    return problems


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str] | None:
    """Return one cycle as a closed path (a -> b -> a), or None when the graph is a DAG."""
    white, grey, black = 0, 1, 2
    colour = {n: white for n in deps}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in deps.get(node, ()):
            if colour.get(nxt) == grey:
                return stack[stack.index(nxt):] + [nxt]
            if colour.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for start in deps:
        if colour[start] == white:
            found = visit(start)
            if found:
                return found
    return None


def topological_order(deps: Mapping[str, Sequence[str]]) -> list[str]:
    """Names ordered so each comes after its dependencies; ties keep the file order."""
    done: list[str] = []
    placed: set[str] = set()
    remaining = list(deps)
    while remaining:
        progressed = False
        for name in list(remaining):
            if all(d in placed for d in deps[name]):
                done.append(name)
                placed.add(name)
                remaining.remove(name)
                progressed = True
        if not progressed:
            raise ValueError(f"dependency cycle among {remaining}")
    return done


def descendants(deps: Mapping[str, Sequence[str]], root: str) -> set[str]:
    """Every step that (transitively) depends on `root`; these are skipped when it fails."""
    children: dict[str, list[str]] = {n: [] for n in deps}
    for name, ds in deps.items():
        for d in ds:
            children.setdefault(d, []).append(name)
    seen: set[str] = set()
    todo = list(children.get(root, ()))
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(children.get(n, ()))
    return seen
