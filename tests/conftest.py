import json
import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")


def require_terraform_mirror(also: bool = True, what: str = "") -> None:
    """Skip the calling test module unless terraform and the provider mirror (and ``also``) are
    there; never skips in CI, where a missing tool must fail loudly."""
    from scripts import terraform as tf

    if not (tf.mirror_available() and also) and not os.environ.get("CI"):
        pytest.skip(f"needs terraform and the provider mirror at /opt/tf-plugins{what} (never skipped in CI)",
                    allow_module_level=True)


def synth_json(stack) -> dict:
    from cdktf import Testing

    return json.loads(Testing.synth(stack))


def resources_of(synth: dict, type_: str) -> list[dict]:
    """The resources of one type, without cdktf's metadata."""
    found = synth.get("resource", {}).get(type_, {})
    return [{k: v for k, v in body.items() if k != "//"} for body in found.values()]


def one_resource(synth: dict, type_: str) -> dict:
    found = resources_of(synth, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="session")
def build_stack():
    """Build an example stack in a fresh Testing app: ``build_stack(spec, env={})``."""
    from cdktf import Testing

    from stacks.emr_stack import EmrStack
    from stacks.environment import Environment

    def build(spec, env=None):
        return EmrStack(Testing.app(), spec, Environment.from_env(env or {}))

    return build
