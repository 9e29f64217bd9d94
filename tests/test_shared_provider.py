"""scripts/shared_provider.py: terraform commands reach one provider process through the relay, which answers
only pure calls from memory; everything that decides resources still reaches the provider."""
import json

import pytest

from scripts import terraform as tf
from scripts.shared_provider import PURE_METHODS, SharedProvider

from .conftest import require_terraform_mirror

pytestmark = pytest.mark.integration

require_terraform_mirror()

CONFIG = {
    "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "~> 5.100"}}},
    "provider": {"aws": [{"region": "us-east-1", "access_key": "test", "secret_key": "test",
                          "skip_credentials_validation": True, "skip_metadata_api_check": True,
                          "skip_region_validation": True, "skip_requesting_account_id": True}]},
    "resource": {"aws_s3_bucket": {"logs": {"bucket": "relay-test-logs"}},
                 "aws_sqs_queue": {"bad": {"name": "relay-test", "delay_seconds": 901}}},
}


def test_commands_share_one_provider_and_only_pure_answers_are_reused(tmp_path):
    (tmp_path / "main.tf.json").write_text(json.dumps(CONFIG))
    env = tf.terraform_env(tmp_path)
    tf.run(tmp_path, "init", "-input=false", "-no-color", env=env)
    with SharedProvider(env=env) as provider:
        env.update(provider.env())
        first = tf.run(tmp_path, "plan", "-input=false", "-no-color", "-refresh=false", env=env, check=False)
        second = tf.run(tmp_path, "plan", "-input=false", "-no-color", "-refresh=false", env=env, check=False)
        pid, relay = provider.process.pid, provider.relay
    # The provider still judges every resource: delay_seconds above 900 is refused both times.
    for result in (first, second):
        assert result.returncode == 1
        assert "delay_seconds" in result.stdout + result.stderr
    assert provider.process.poll() is not None, f"provider {pid} left running"
    assert relay.calls["/tfplugin5.Provider/PrepareProviderConfig"] >= 2
    assert {method for method, _ in relay.answers} <= PURE_METHODS
    assert "/tfplugin5.Provider/PrepareProviderConfig" in {method for method, _ in relay.answers}
    assert relay.calls["/tfplugin5.Provider/ValidateResourceTypeConfig"] >= 4
