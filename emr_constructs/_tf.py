"""The two cdktf core classes every resource here is built on.

We never import the prebuilt AWS provider bindings: they cost 8-13 s and 1.7 GB per synth.
A resource is a ``TerraformResource`` whose ``_synthesize_attributes`` (the exact name jsii
calls) returns a plain dict; the provider schema checks it in tests via ``terraform validate``.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar, Mapping, Optional, Sequence

from .cdk import ITerraformDependable, TerraformDataSource, TerraformProvider, TerraformResource, TerraformStack
from constructs import Construct

_AWS_METADATA = {"provider_name": "aws"}
_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]")
# The resource types of ours that take `tags` in hashicorp/aws 5.100 (`terraform providers schema -json`);
# terraform validate of the shipped stacks fails if one here does not.
TAGGABLE = frozenset({
    "aws_cloudwatch_event_rule", "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm",
    "aws_default_security_group", "aws_emr_cluster", "aws_flow_log", "aws_iam_instance_profile", "aws_iam_role",
    "aws_kms_key", "aws_route_table", "aws_s3_bucket", "aws_s3_object", "aws_security_group", "aws_sns_topic",
    "aws_subnet", "aws_vpc", "aws_vpc_endpoint", "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
})


def logical_id(components: Sequence[str]) -> str:
    """cdktf's default logical id of an element (``makeUniqueId``; cdktf is frozen at 0.21)."""
    # constructs replaces the path separator in an id with "--" (Node's sanitizeId) before cdktf sees it
    components = [c.replace("/", "--") for c in components if c != "Default"]
    if len(components) == 1:
        return _DISALLOWED.sub("", components[0])
    digest = hashlib.md5("/".join(components).encode()).hexdigest()[:8].upper()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    readable = "_".join(_DISALLOWED.sub("", c) for c in human if c != "Resource")[:240]
    return f"{readable}_{digest}"


def path_in_stack(scope: Construct) -> Optional[tuple[str, ...]]:
    """The ids from the stack down to ``scope``, when known without asking jsii."""
    if isinstance(scope, TerraformStack):
        return ()
    return getattr(scope, "_path_in_stack", None)


class Scope(Construct):
    """A construct that remembers its path and its stack, so references need no jsii round trip.

    ``provider`` (a provider alias: another region or account) and ``tags`` apply to every resource created
    under it; both default to the parent construct's."""

    def __init__(self, scope: Construct, id: str, *, provider: Optional[TerraformProvider] = None,
                 tags: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(scope, id)
        parent = path_in_stack(scope)
        self._path_in_stack = None if parent is None else (*parent, id)
        self._stack = scope if isinstance(scope, TerraformStack) else getattr(scope, "_stack", None)
        self._provider = provider or getattr(scope, "_provider", None)
        self._tags = {**(getattr(scope, "_tags", None) or {}), **(tags or {})}


def prune(value: Any) -> Any:
    """Drop ``None`` values and empty blocks so the JSON holds only what was set."""
    if isinstance(value, Mapping):
        pruned = {k: prune(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in pruned.items() if v != []}
    if isinstance(value, (list, tuple)):
        return [prune(v) for v in value]
    return value


class AwsResource(TerraformResource):
    """A resource of the hashicorp/aws provider with attributes held as a dict."""

    TYPE: ClassVar[str] = ""

    def __init__(
        self,
        scope: Construct,
        id: str,
        attributes: Mapping[str, Any],
        *,
        depends_on: Optional[Sequence[ITerraformDependable]] = None,
        ignore_changes: Optional[Sequence[str]] = None,
    ) -> None:
        lifecycle = {"ignore_changes": list(ignore_changes)} if ignore_changes else None
        super().__init__(
            scope,
            id,
            terraform_resource_type=self.TYPE,
            terraform_generator_metadata=_AWS_METADATA,
            depends_on=list(depends_on) if depends_on else None,
            lifecycle=lifecycle,
            provider=getattr(scope, "_provider", None),
        )
        self._attributes = dict(attributes)
        inherited = getattr(scope, "_tags", None)
        if inherited and self.TYPE in TAGGABLE:
            self._attributes["tags"] = {**inherited, **(self._attributes.get("tags") or {})}
        parent = path_in_stack(scope)
        self._reference = None if parent is None else f"{self.TYPE}.{logical_id((*parent, id))}"

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return prune(self._attributes)

    def attr(self, name: str) -> str:
        """A reference to a computed attribute, e.g. ``bucket.attr("arn")``.

        Built in Python when the path is known (a jsii round trip per reference is most of a
        synth's cost); otherwise cdktf's own token.
        """
        if self._reference is None:
            return self.get_string_attribute(name)
        return f"${{{self._reference}.{name}}}"

    @property
    def arn(self) -> str:
        return self.attr("arn")

    @property
    def resource_id(self) -> str:
        return self.attr("id")


class AwsDataSource(TerraformDataSource):
    """A data source of the hashicorp/aws provider with arguments held as a dict."""

    TYPE: ClassVar[str] = ""

    def __init__(self, scope: Construct, id: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(
            scope, id, terraform_resource_type=self.TYPE, terraform_generator_metadata=_AWS_METADATA,
            provider=getattr(scope, "_provider", None),
        )
        self._attributes = dict(attributes or {})

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return prune(self._attributes)

    def attr(self, name: str) -> str:
        return self.get_string_attribute(name)
