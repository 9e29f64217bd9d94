"""The one import point of the CDK library: CDK Terrain (``cdktn``) or cdktf.

cdktf was archived in December 2025; CDK Terrain is its maintained fork with the same API. Whichever
is installed is used. ``EMR_CDK=cdktn`` or ``EMR_CDK=cdktf`` forces one.

When both are installed, cdktf is the default. The Terraform JSON of every shipped stack is the same
under both (tests/test_cdk_choice.py; only the library version in ``//.metadata.version`` differs), so
the choice is not about output: an App, a stack or ``Testing`` that a caller builds with
``from cdktf import ...`` must come from the library our constructs subclass, or our ``isinstance``
checks on stacks fail. Our own tests and existing users' apps still import cdktf; whoever has moved
to cdktn sets ``EMR_CDK=cdktn`` (or uninstalls cdktf).
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Callable, Mapping, Optional

ENV = "EMR_CDK"
LIBRARIES = ("cdktf", "cdktn")
DEFAULT = "cdktf"


class CdkChoiceError(ImportError):
    """The library named by EMR_CDK is unknown or not installed, or neither is installed."""


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def choose(env: Optional[Mapping[str, str]] = None,
           installed: Callable[[str], bool] = _installed) -> str:
    """The module name to use; checks without importing either library (jsii starts on import)."""
    env = os.environ if env is None else env
    forced = env.get(ENV, "").strip()
    if forced:
        if forced not in LIBRARIES:
            raise CdkChoiceError(f"{ENV}={forced!r} is unknown: use {ENV}=cdktn (CDK Terrain) or {ENV}=cdktf")
        if not installed(forced):
            raise CdkChoiceError(f"{ENV}={forced} but the Python package {forced!r} is not installed: "
                                 f"pip install {forced}, or unset {ENV}")
        return forced
    available = [name for name in (DEFAULT, *LIBRARIES) if installed(name)]
    if not available:
        raise CdkChoiceError(f"neither cdktn (CDK Terrain) nor cdktf is installed: pip install cdktn "
                             f"({ENV} chooses when both are)")
    return available[0]


NAME = choose()
library = importlib.import_module(NAME)

Annotations = library.Annotations
App = library.App
Fn = library.Fn
ITerraformDependable = library.ITerraformDependable
LocalBackend = library.LocalBackend
S3Backend = library.S3Backend
TerraformDataSource = library.TerraformDataSource
TerraformElement = library.TerraformElement
TerraformOutput = library.TerraformOutput
TerraformProvider = library.TerraformProvider
TerraformProviderGeneratorMetadata = library.TerraformProviderGeneratorMetadata
TerraformResource = library.TerraformResource
TerraformResourceConfig = library.TerraformResourceConfig
TerraformResourceLifecycle = library.TerraformResourceLifecycle
TerraformStack = library.TerraformStack
Testing = library.Testing
Token = library.Token

__all__ = [
    "ENV", "LIBRARIES", "DEFAULT", "NAME", "CdkChoiceError", "choose", "library",
    "Annotations", "App", "Fn", "ITerraformDependable", "LocalBackend", "S3Backend", "TerraformDataSource",
    "TerraformElement", "TerraformOutput", "TerraformProvider", "TerraformProviderGeneratorMetadata", "TerraformResource",
    "TerraformResourceConfig", "TerraformResourceLifecycle", "TerraformStack", "Testing", "Token",
]
