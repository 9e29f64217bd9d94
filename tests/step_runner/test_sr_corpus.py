"""The triage corpus: real failure logs from public sources (tests/step_runner/corpus, each with its source),
run through `emr-steps explain`'s analysis. Prints the accuracy table; holds the corpus targets of issue 22."""
from __future__ import annotations

import pytest

from scripts.corpus_accuracy import (BEGIN, DOC, END, README, README_BEGIN, README_END, doc_with, measure, samples,
                                    summary, table)
from step_runner.diagnosis.triage import KINDS

KIND_TARGET = 0.98
CAUSE_TARGET = 0.95
SAMPLES = samples()
RESULTS = [measure(s) for s in SAMPLES]


def test_every_sample_cites_its_source_and_a_known_kind():
    assert len(SAMPLES) >= 60
    for s in SAMPLES:
        assert s.source.startswith("https://"), s.name
        assert s.kind is None or s.kind in KINDS, f"{s.name}: unknown kind {s.kind}"
        assert s.kind is None or (s.cause and s.cause in s.text), f"{s.name}: cause not in the excerpt"


def test_accuracy_on_the_corpus(capsys):
    with capsys.disabled():
        print("\n" + table(RESULTS))
    false_hints = [r.sample.name for r in RESULTS if r.sample.kind is None and r.kind is not None]
    assert not false_hints, f"a hint on a log no kind fits: {false_hints}"
    misses = [f"{r.sample.name}: expected {r.sample.kind} / {r.sample.cause!r}, got {r.kind} / {r.summary!r}"
              for r in RESULTS if not (r.kind_ok and r.cause_ok)]
    kind_rate = sum(r.kind_ok for r in RESULTS) / len(RESULTS)
    cause_rate = sum(r.cause_ok for r in RESULTS) / len(RESULTS)
    assert kind_rate >= KIND_TARGET and cause_rate >= CAUSE_TARGET, "\n".join(misses)


def test_the_docs_show_the_current_table():
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert doc_with(text, table(RESULTS)) == text, \
        "docs/emr-steps.md accuracy table is stale: python -m scripts.corpus_accuracy --write"
    readme = README.read_text(encoding="utf-8")
    assert doc_with(readme, summary(RESULTS), README_BEGIN, README_END) == readme, \
        "README.md accuracy table is stale: python -m scripts.corpus_accuracy --write"


def test_the_docs_list_every_kind():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("<!-- triage-kinds:begin -->"):text.index("<!-- triage-kinds:end -->")]
    assert [k for k in KINDS if f"| `{k}` |" not in section] == []


@pytest.mark.parametrize("result", RESULTS, ids=[r.sample.name for r in RESULTS])
def test_sample(result):
    """One line per sample, so a regression names its log (the aggregate test holds the targets)."""
    if not (result.kind_ok and result.cause_ok):
        pytest.xfail(f"expected {result.sample.kind} / {result.sample.cause!r}, got {result.kind} / {result.summary!r}")
