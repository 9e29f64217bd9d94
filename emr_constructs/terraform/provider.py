"""The hashicorp/aws provider block, without the prebuilt provider bindings."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from ..cdk import TerraformProvider
from constructs import Construct

from .base import prune

DEFAULT_PROVIDER_CONSTRAINT = "~> 5.100"


class AwsProvider(TerraformProvider):
    """Configures hashicorp/aws. Belongs to a stack, never to a reusable construct."""

    def __init__(
        self,
        scope: Construct,
        id: str = "aws",
        *,
        region: str,
        version_constraint: str = DEFAULT_PROVIDER_CONSTRAINT,
        default_tags: Optional[Mapping[str, str]] = None,
        allowed_account_ids: Optional[Sequence[str]] = None,
        alias: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self._alias = alias
        super().__init__(
            scope,
            id,
            terraform_resource_type="aws",
            terraform_provider_source="hashicorp/aws",
            terraform_generator_metadata={
                "provider_name": "aws",
                "provider_version_constraint": version_constraint,
            },
        )
        self._attributes: dict[str, Any] = {
            "region": region,
            "alias": alias,
            "allowed_account_ids": list(allowed_account_ids) if allowed_account_ids else None,
            "default_tags": [{"tags": dict(default_tags)}] if default_tags else None,
            **(extra or {}),
        }

    @property
    def alias(self) -> Optional[str]:
        """cdktf's TerraformProvider leaves ``alias`` to its subclasses: with it, resources given this provider
        name it ``aws.<alias>``."""
        return self._alias

    @alias.setter
    def alias(self, value: Optional[str]) -> None:
        self._alias = value

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return prune(self._attributes)
