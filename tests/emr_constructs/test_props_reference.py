"""docs/props-reference.md is what scripts/props_reference.py writes from the props dataclasses today."""
import dataclasses
import re

from emr_constructs.props import ClusterProps
from scripts import props_reference


def test_props_reference_is_up_to_date():
    expected = props_reference.render()
    written = props_reference.OUTPUT.read_text() if props_reference.OUTPUT.exists() else ""
    assert written == expected, "docs/props-reference.md is out of date: run `make docs`"


def test_every_cluster_props_field_is_in_the_reference():
    text = props_reference.render()
    section = text[text.index("## ClusterProps\n"):]
    section = section[:section.index("\n## ", 1)]
    rows = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    missing = [f.name for f in dataclasses.fields(ClusterProps) if f.name not in rows]
    assert not missing, f"ClusterProps fields missing from the reference: {missing}"


SAMPLE = """
from __future__ import annotations
from dataclasses import dataclass, field
from typing import Mapping, Optional


@dataclass(frozen=True, kw_only=True)
class Inner:
    size: int = 1


@dataclass(frozen=True, kw_only=True)
class Sample:
    \"\"\"A sample. ``mode`` picks one of two ways, e.g. ``fast``. Nothing else is said.

    Second paragraph, not in the summary.\"\"\"

    name: str
    # Above the field,
    # on two lines.
    count: Optional[int] = None
    mode: str = "fast"  # trailing
    inner: Inner = Inner(size=2)

    tags: Mapping[str, str] = field(default_factory=lambda: {"a": "b"})
    items: tuple[Inner, ...] | None = ()
"""


def _sample(tmp_path, monkeypatch):
    (tmp_path / "sample_props.py").write_text(SAMPLE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import sample_props
    return sample_props


def test_descriptions_come_from_the_source_only(tmp_path, monkeypatch):
    """Comment lines directly above, a trailing comment, the docstring sentence naming the field; else nothing."""
    Sample = _sample(tmp_path, monkeypatch).Sample
    assert props_reference.description(Sample, "count") == "Above the field, on two lines."
    assert props_reference.description(Sample, "mode") == "trailing ``mode`` picks one of two ways, e.g. ``fast``."
    assert props_reference.description(Sample, "name") == ""
    assert props_reference.description(Sample, "tags") == ""  # a blank line is not "directly above"
    assert props_reference.first_paragraph(props_reference.docstring(Sample)).endswith("Nothing else is said.")


def test_types_and_defaults_are_readable(tmp_path, monkeypatch):
    Sample = _sample(tmp_path, monkeypatch).Sample
    hints = props_reference.type_hints(Sample)
    assert props_reference.type_name(hints["count"]) == "Optional[int]"
    assert props_reference.type_name(hints["tags"]) == "Mapping[str, str]"
    assert props_reference.type_name(hints["items"]) == "Optional[tuple[Inner, ...]]"
    defaults = {f.name: props_reference.default_of(f) for f in dataclasses.fields(Sample)}
    assert defaults["name"] is dataclasses.MISSING
    assert props_reference.value_text(defaults["tags"]) == "{'a': 'b'}"  # default_factory called
    assert props_reference.value_text(defaults["inner"]) == "Inner(size=2)"  # only what differs from Inner()
    assert props_reference.value_text(defaults["items"]) == "()"


def test_classes_are_discovered_from_field_types():
    names = [cls.__name__ for cls in props_reference.discover(props_reference.roots())]
    assert names[0] == "ClusterProps"
    # Reached only through fields, never exported or named by hand.
    for nested in ("AutoScalingPolicy", "ScalingRule", "ManagedScaling", "ScaleIn", "MonitoringProps", "AccessProps"):
        assert nested in names
    assert len(names) == len(set(names))
