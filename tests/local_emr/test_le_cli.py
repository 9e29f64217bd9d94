"""``python -m local_emr``: prints its endpoint, serves, and exits cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from .conftest import FAKE

pytestmark = pytest.mark.integration  # the emulator's CLI in a subprocess

REPO = Path(__file__).resolve().parents[2]


def test_cli_serves_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOCAL_EMR_BOOT_SECONDS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "local_emr", "--port", "0"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("local_emr listening on http://127.0.0.1:"), first
        endpoint = first.split()[-1]
        emr = boto3.client("emr", endpoint_url=endpoint, **FAKE)
        assert "Clusters" in emr.list_clusters()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
