"""Big logs: the analysis reads a bounded sample, in one pass; small ones whole."""
from __future__ import annotations

import gzip
import io

from step_runner import cli
from step_runner.diagnosis.log_sample import HEAD_LINES, MIDDLE_LINES, SMALL_BYTES, TAIL_LINES, LogSample, is_quiet, sample_text

INFO = "26/11/25 12:00:05 INFO TaskSetManager: Finished task {}.0 in stage 3.0 (TID {}) in 1234 ms"


def test_a_small_log_is_read_whole():
    text = "\n".join(INFO.format(i, i) for i in range(100))
    assert sample_text(text) == text


def test_a_big_log_keeps_its_head_its_tail_and_the_loud_lines_between():
    lines = [INFO.format(i, i) for i in range(40_000)]
    lines[20_000] = "26/11/25 12:00:05 WARN YarnAllocator: Container killed by YARN for exceeding memory limits."
    lines[25_000] = "26/11/25 12:00:05 INFO YarnAllocator: Completed container with exit status: 137"
    text = "\n".join(lines)
    assert len(text) > SMALL_BYTES
    kept = sample_text(text).splitlines()
    assert kept[:HEAD_LINES] == lines[:HEAD_LINES] and kept[-TAIL_LINES:] == lines[-TAIL_LINES:]
    assert lines[20_000] in kept and lines[25_000] in kept and lines[30_000] not in kept
    assert len(kept) <= HEAD_LINES + MIDDLE_LINES + TAIL_LINES


def test_quiet_means_an_info_line_that_names_no_failure():
    assert is_quiet(INFO.format(1, 1))
    assert not is_quiet("26/11/25 12:00:05 INFO YarnAllocator: Executor lost: 4 (epoch 20)")
    assert not is_quiet("Traceback (most recent call last):")
    assert not is_quiet("26/11/25 12:00:05 ERROR Executor: Exception in task 0.0")


def test_the_sample_is_bounded_however_long_the_log():
    sample = LogSample()
    sample.feed(INFO.format(i, i) for i in range(300_000))
    assert sample.whole is None and len(sample.text().splitlines()) == HEAD_LINES + TAIL_LINES


def test_explain_reads_a_big_gzipped_log_to_its_end(tmp_path):
    body = "\n".join(INFO.format(i, i) for i in range(30_000)) + "\nModuleNotFoundError: No module named 'numpy'\n"
    path = tmp_path / "stderr.gz"
    path.write_bytes(gzip.compress(body.encode()))
    out = io.StringIO()
    assert cli.main(["explain", str(path), "--json"], cli.Deps(stdout=out, stderr=io.StringIO(),
                                                               install_signals=False)) == 0
    assert '"kind": "missing_dependency"' in out.getvalue()
