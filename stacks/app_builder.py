"""Build every shipped stack into one cdktf App."""
from __future__ import annotations

import os
from typing import Mapping, Optional

from emr_constructs.cdk import App

from .emr_stack import EmrStack
from .environment import Environment
from .examples import EXAMPLES


def build_app(app: Optional[App] = None, env: Optional[Mapping[str, str]] = None) -> App:
    """Only ``EMR_STACKS`` (comma-separated) are built when it is set."""
    env = os.environ if env is None else env
    environment = Environment.from_env(env)
    wanted = [s for s in env.get("EMR_STACKS", "").split(",") if s] or list(EXAMPLES)
    unknown = sorted(set(wanted) - set(EXAMPLES))
    if unknown:
        raise SystemExit(f"EMR_STACKS names unknown stacks {unknown}; known: {sorted(EXAMPLES)}")
    app = app or App()
    for name in wanted:
        EmrStack(app, EXAMPLES[name], environment)
    return app
