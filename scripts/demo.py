"""`make demo`: synthesize the default stack and plan it offline, with no AWS account.

Providers come from the local mirror; the provider points at the local target with fake
credentials, so the plan reads nothing from AWS.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from scripts import terraform as tf
from stacks.examples import DEFAULT_STACK


def main() -> int:
    if not tf.mirror_available():
        print("terraform and the provider mirror are needed for the demo", file=sys.stderr)
        return 2
    from cdktf import App

    from stacks.app_builder import build_app

    with tempfile.TemporaryDirectory(prefix="emr-demo-") as tmp:
        env = dict(os.environ, EMR_TARGET="local", EMR_STACKS=DEFAULT_STACK)
        build_app(App(outdir=f"{tmp}/out"), env=env).synth()
        print(f"synthesized {DEFAULT_STACK}; planning offline with hashicorp/aws from the mirror ...")
        work = tf.prepare(Path(tmp) / "out" / "stacks" / DEFAULT_STACK, Path(tmp) / "tf", backend=True)
        plan = tf.plan(work)
        creates = Counter(r["type"] for r in plan["resource_changes"] if r["change"]["actions"] == ["create"])
        for type_, count in sorted(creates.items()):
            print(f"  + {count} x {type_}")
        print(f"plan: {sum(creates.values())} to add, 0 to change, 0 to destroy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
