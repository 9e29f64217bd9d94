"""mrjob's EMR runner against the emulator, unchanged, in its default use: it creates a cluster (bootstrapping
its own mrjob.zip), runs a hadoop-streaming step, streams the output from S3 and terminates the cluster. A job
that fails gets mrjob's "Probable cause of failure", which mrjob finds by reading the step's logs; to know where
they are it needs DescribeCluster's Hadoop version (mrjob/emr.py `_store_cluster_info`), here of emr-6.0.0,
mrjob's default release. Only the endpoints are set, in docs/emulator.md's mrjob.conf.
"""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mrjob")
pytestmark = pytest.mark.integration

JOBS = {
    "mr_word_count.py": ("from mrjob.job import MRJob\n\n\nclass MRWordCount(MRJob):\n"
                         "    def mapper(self, _, line):\n        for word in line.split():\n            yield word, 1\n\n"
                         "    def reducer(self, word, counts):\n        yield word, sum(counts)\n\n\n"
                         "if __name__ == '__main__':\n    MRWordCount.run()\n"),
    "mr_broken.py": ("from mrjob.job import MRJob\n\n\nclass MRBroken(MRJob):\n"
                     "    def mapper(self, _, line):\n        raise ValueError('no such table: events')\n\n\n"
                     "if __name__ == '__main__':\n    MRBroken.run()\n"),
}


def _conf(endpoint: str, bucket: str) -> str:
    """docs/emulator.md's mrjob.conf, on this emulator and bucket, polled every second (mrjob polls every 30 s by default)."""
    from tests.test_docs_examples import BLOCKS

    (conf,) = [code for path, _, language, code in BLOCKS
               if path.name == "emulator.md" and language == "yaml" and code.startswith("runners:")]
    conf = conf.replace("http://127.0.0.1:5055", endpoint).replace("s3://my-bucket/", f"s3://{bucket}/")
    return conf.rstrip("\n") + "\n    check_cluster_every: 1\n"


def _mrjob(job: Path, conf: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    return subprocess.run([sys.executable, str(job), "-r", "emr", "--conf-path", str(conf), str(data)],
                          cwd=job.parent, env=env, capture_output=True, text=True, timeout=120)


def test_mrjob_runs_a_streaming_job_and_explains_a_failing_one(emulator: Any, emr: Any, log_bucket: str,
                                                               tmp_path: Path) -> None:
    conf = tmp_path / "mrjob.conf"
    conf.write_text(_conf(emulator.endpoint_url, log_bucket))
    data = tmp_path / "input.txt"
    data.write_text("a b a\nc a b\n")
    for name, code in JOBS.items():
        (tmp_path / name).write_text(code)
    with ThreadPoolExecutor(len(JOBS)) as pool:
        counted, broken = pool.map(lambda name: _mrjob(tmp_path / name, conf, data), JOBS)
    assert counted.returncode == 0, counted.stderr
    assert sorted(counted.stdout.splitlines()) == ['"a"\t3', '"b"\t2', '"c"\t1']
    assert broken.returncode != 0
    assert "Probable cause of failure" in broken.stderr, broken.stderr[-3000:]
    assert "ValueError: no such table: events" in broken.stderr
    clusters = emr.list_clusters()["Clusters"]
    assert any(c["Status"]["State"] in ("TERMINATING", "TERMINATED") and c["Name"].startswith("mr_word_count")
               for c in clusters)
