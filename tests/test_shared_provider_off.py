"""The shared provider relay (scripts/shared_provider.py): its off switch (with EMR_SHARED_PROVIDER=0 nothing is
shared and terraform plans a shipped stack with its own provider, as in a plain run), and how long its streams live."""
from __future__ import annotations

import pytest

from scripts.shared_provider import SharedProvider, relay_enabled

from .conftest import require_terraform_mirror


def test_the_switch_reads_the_environment():
    assert relay_enabled({}) and relay_enabled({"EMR_SHARED_PROVIDER": "1"})
    assert not any(relay_enabled({"EMR_SHARED_PROVIDER": v}) for v in ("0", "off", "FALSE"))


@pytest.mark.integration
def test_a_stack_plans_without_the_relay(tmp_path, monkeypatch):
    require_terraform_mirror()
    from local_emr import LocalEmr
    from scripts import terraform as tf
    from scripts.local_stack import LocalStack

    monkeypatch.setenv("EMR_SHARED_PROVIDER", "0")
    with LocalEmr(port=0) as emulator, SharedProvider() as provider:
        assert provider.env() == {} and provider.process is None
        stack = LocalStack("emr-minimal", emulator.endpoint_url, tmp_path, terraform_env=provider.env())
        tf.prepare(stack.synth(), tmp_path / "tf", backend=True)
        planned = stack._terraform("plan", "-input=false", "-no-color", "-detailed-exitcode", check=False)
    assert planned.returncode == 2, planned.stdout + planned.stderr  # 2: the plan has changes (the whole stack)
    assert "aws_emr_cluster.emr_cluster" in planned.stdout


def test_a_relayed_stream_ends_with_terraforms_end_of_it():
    """StreamStdio and the broker stream last as long as a command: each is cancelled upstream when terraform
    leaves, or it would hold a relay thread for good (the relay hung on the 16th command of make security)."""
    from scripts.shared_provider import _tied

    class Upstream:
        cancelled = False

        def cancel(self):
            self.cancelled = True

    class Context:
        callbacks: list = []

        def add_callback(self, callback):
            self.callbacks.append(callback)

    upstream, context = Upstream(), Context()
    assert _tied(upstream, context) is upstream and not upstream.cancelled
    for callback in context.callbacks:
        callback()
    assert upstream.cancelled
