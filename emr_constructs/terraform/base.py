"""The cdktf core classes every resource here is built on.

We never import the prebuilt AWS provider bindings: they cost 8-13 s and 1.7 GB per synth.
A resource is a ``TerraformResource`` whose attributes are a plain dict held in Python; the provider
schema checks them in tests via ``terraform validate``. A stack's ``StackAttributes`` writes the
attributes of all its resources in one jsii callback; a resource whose logical id Python cannot know
writes its own (``_synthesize_attributes``, the exact name jsii calls), one callback each.
"""
from __future__ import annotations

import functools
import hashlib
import re
import weakref
from collections import abc
from typing import Any, ClassVar, Mapping, Optional, Sequence

import jsii

from ..cdk import (
    ITerraformDependable, TerraformDataSource, TerraformElement, TerraformProvider, TerraformProviderGeneratorMetadata,
    TerraformResource, TerraformResourceConfig, TerraformResourceLifecycle, TerraformStack,
)
from constructs import Construct


def struct(struct_type: type, **values: Any) -> Any:
    """A jsii struct holding ``values`` (those not None), built without its generated constructor: that one
    type-checks each field with typeguard after resolving all its annotations again, on every call."""
    built = object.__new__(struct_type)
    built._values = {name: value for name, value in values.items() if value is not None}
    return built


def create(element: Any, *args: Any) -> None:
    """What the generated constructor of a construct does after its type checks (jsii's create): with
    ``struct``, 0.25 ms less Python per resource than ``super().__init__``, a third of creating it."""
    jsii.create(type(element), element, list(args))


_AWS_METADATA = struct(TerraformProviderGeneratorMetadata, provider_name="aws")
# What a subclass sets as ``__jsii_ifaces__``: the jsii interfaces it implements besides its cdktf base's, none.
# Inherited, the base's list made jsii send them again with every create, for the kernel to find them redundant.
JSII_OWN_INTERFACES: list = []
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


def stack_of(scope: Any) -> Optional[Any]:
    """The stack a construct is in, known without a jsii call for our own Scope constructs."""
    if isinstance(scope, TerraformStack):
        return scope
    return getattr(scope, "_stack", None)


class StackAttributes(TerraformElement):
    """The attributes of every resource and data source of ours in one stack whose logical id Python knows,
    and the stack's outputs added here, written as one fragment: one jsii callback per stack at synth instead
    of one per resource, and no construct per output.

    It is created before the first of them (``attributes_of``), so cdktf merges each element's own fragment
    (meta-arguments, overrides, metadata) over its attributes, as it does over ``synthesizeAttributes``."""

    ID: ClassVar[str] = "emr_constructs_attributes"

    def __init__(self, stack: TerraformStack) -> None:
        super().__init__(stack, self.ID)
        self._stack = stack
        self._members: dict[Any, None] = {}
        self._outputs: dict[str, dict[str, Any]] = {}

    def add(self, element: "_Attributed") -> None:
        self._members[element] = None

    def discard(self, element: "_Attributed") -> None:
        self._members.pop(element, None)

    def add_output(self, name: str, value: Any, description: Optional[str] = None) -> None:
        """What ``TerraformOutput(stack, name, value=value, description=description)`` writes, for a value that
        is JSON or a token (a resource object is no such value: give its ``attr(...)``)."""
        if name in self._outputs:
            raise ValueError(f"the stack already has an output named {name!r}")
        self._outputs[name] = prune({"value": value, "description": description})

    def to_terraform(self) -> Mapping[str, Any]:
        blocks: dict[str, Any] = {}
        for element in self._members:
            kind, type_, name = element._address
            blocks.setdefault(kind, {}).setdefault(type_, {})[name] = prune(element._attributes)
        if self._outputs:
            blocks["output"] = {logical_id((name,)): body for name, body in self._outputs.items()}
            blocks["//"] = {"outputs": self._outputs_metadata()}
        return blocks

    def _outputs_metadata(self) -> dict[str, Any]:
        """cdktf's ``//.outputs``: each output's logical id under the ids of its path (the CLI reads it)."""
        tree: dict[str, Any] = {name: logical_id((name,)) for name in self._outputs}
        for part in reversed(self._stack.to_string().split("/")):  # the stack's node.path, in one round trip
            tree = {part: tree}
        return tree


_STACK_ATTRIBUTES: "weakref.WeakKeyDictionary[Any, StackAttributes]" = weakref.WeakKeyDictionary()


def attributes_of(stack: TerraformStack) -> StackAttributes:
    found = _STACK_ATTRIBUTES.get(stack)
    if found is None:
        found = _STACK_ATTRIBUTES[stack] = StackAttributes(stack)
    return found


def stack_output(stack: TerraformStack, name: str, value: Any, description: Optional[str] = None) -> None:
    """The output ``TerraformOutput(stack, name, value=value, description=description)`` writes, without its
    construct's jsii round trip (``StackAttributes.add_output``)."""
    attributes_of(stack).add_output(name, value, description)


class Scope(Construct):
    """A construct that remembers its path and its stack, so references need no jsii round trip.

    ``provider`` (a provider alias: another region or account) and ``tags`` apply to every resource created
    under it; both default to the parent construct's."""

    __jsii_ifaces__: ClassVar[list] = JSII_OWN_INTERFACES

    def __init__(self, scope: Construct, id: str, *, provider: Optional[TerraformProvider] = None,
                 tags: Optional[Mapping[str, str]] = None) -> None:
        if isinstance(scope, TerraformStack):
            attributes_of(scope)  # before this construct, hence before every resource under it
        create(self, scope, id)
        parent = path_in_stack(scope)
        self._path_in_stack = None if parent is None else (*parent, id)
        self._stack = stack_of(scope)
        self._provider = provider or getattr(scope, "_provider", None)
        self._tags = {**(getattr(scope, "_tags", None) or {}), **(tags or {})}


def prune(value: Any) -> Any:
    """Drop ``None`` values and empty blocks so the JSON holds only what was set."""
    if isinstance(value, abc.Mapping):  # typing.Mapping's isinstance is several times slower
        pruned = {}
        for key, item in value.items():
            if item is not None:
                item = prune(item)
                if item != []:
                    pruned[key] = item
        return pruned
    if isinstance(value, (list, tuple)):
        return [prune(v) for v in value]
    return value


class python_side:
    """A method decorator: jsii registers every method named like one of cdktf's as an override, which
    costs each element's creation about 0.06 ms, and routes JS's own calls of it through Python. Ours only
    keep Python's bookkeeping when Python calls them, so jsii is not told of them."""

    def __init__(self, function: Any) -> None:
        self._function = function
        functools.update_wrapper(self, function)

    def __get__(self, instance: Any, owner: Optional[type] = None) -> Any:
        return self._function if instance is None else self._function.__get__(instance, owner)


class _SelfSynthesizing:
    """Mixed into an element whose logical id Python does not know (created under a construct that is not a
    ``Scope``): it gives cdktf its attributes itself."""

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return prune(self._attributes)


_SELF_SYNTHESIZING: dict[type, type] = {}


def _self_synthesizing(cls: type) -> type:
    """``cls`` with ``_synthesize_attributes``: jsii registers the callback per class, so the choice is a class."""
    variant = _SELF_SYNTHESIZING.get(cls)
    if variant is None:
        variant = _SELF_SYNTHESIZING[cls] = type(cls)(
            cls.__name__, (_SelfSynthesizing, cls), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return variant


class _Attributed:
    """What AwsResource and AwsDataSource share: attributes held in Python, written by their stack's
    StackAttributes when the logical id is known here (``_address``), else by the element itself."""

    KIND: ClassVar[str] = ""
    TYPE: ClassVar[str] = ""
    __jsii_ifaces__: ClassVar[list] = JSII_OWN_INTERFACES
    _address: Optional[tuple[str, str, str]] = None

    def __new__(cls, scope: Construct, *args: Any, **kwargs: Any) -> Any:
        return super().__new__(cls if path_in_stack(scope) is not None else _self_synthesizing(cls))

    @staticmethod
    def _batch_for(scope: Construct) -> Optional[StackAttributes]:
        """The stack's StackAttributes, created before this element when it is the stack's own child."""
        if path_in_stack(scope) is None:
            return None
        return attributes_of(stack_of(scope))

    def _join(self, batch: Optional[StackAttributes], scope: Construct, id: str, attributes: Mapping[str, Any]) -> None:
        self._attributes = dict(attributes)
        self._batch = batch
        if batch is not None:
            self._address = (self.KIND, self.TYPE, logical_id((*path_in_stack(scope), id)))
            batch.add(self)

    @python_side
    def override_logical_id(self, new_logical_id: str) -> None:
        super().override_logical_id(new_logical_id)
        if self._address is not None:
            self._address = (self.KIND, self.TYPE, new_logical_id)

    @python_side
    def reset_override_logical_id(self) -> None:
        super().reset_override_logical_id()
        if self._address is not None:
            path = path_in_stack(self.node.scope)
            self._address = (self.KIND, self.TYPE, logical_id((*path, self.node.id)))


class AwsResource(_Attributed, TerraformResource):
    """A resource of the hashicorp/aws provider with attributes held as a dict."""

    KIND = "resource"

    def __init__(
        self,
        scope: Construct,
        id: str,
        attributes: Mapping[str, Any],
        *,
        depends_on: Optional[Sequence[ITerraformDependable]] = None,
        ignore_changes: Optional[Sequence[str]] = None,
    ) -> None:
        batch = self._batch_for(scope)
        lifecycle = struct(TerraformResourceLifecycle, ignore_changes=list(ignore_changes)) if ignore_changes else None
        create(self, scope, id, struct(
            TerraformResourceConfig, terraform_resource_type=self.TYPE, terraform_generator_metadata=_AWS_METADATA,
            depends_on=list(depends_on) if depends_on else None, lifecycle=lifecycle,
            provider=getattr(scope, "_provider", None)))
        self._join(batch, scope, id, attributes)
        inherited = getattr(scope, "_tags", None)
        if inherited and self.TYPE in TAGGABLE:
            self._attributes["tags"] = {**inherited, **(self._attributes.get("tags") or {})}

    def attr(self, name: str) -> str:
        """A reference to a computed attribute, e.g. ``bucket.attr("arn")``.

        Built in Python when the logical id is known (a jsii round trip per reference is most of a
        synth's cost); otherwise cdktf's own token.
        """
        if self._address is None:
            return self.get_string_attribute(name)
        return f"${{{self.TYPE}.{self._address[2]}.{name}}}"

    @property
    def arn(self) -> str:
        return self.attr("arn")

    @property
    def resource_id(self) -> str:
        return self.attr("id")

    @python_side
    def move_to(self, move_target: str, index: Any = None) -> None:
        """A moved resource is not written under its own id: its attributes leave the stack's fragment too."""
        super().move_to(move_target, index)
        if self._batch is not None:
            self._batch.discard(self)

    @python_side
    def move_to_id(self, id: str) -> None:
        super().move_to_id(id)
        if self._batch is not None:
            self._batch.discard(self)


class AwsDataSource(_Attributed, TerraformDataSource):
    """A data source of the hashicorp/aws provider with arguments held as a dict."""

    KIND = "data"

    def __init__(self, scope: Construct, id: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        batch = self._batch_for(scope)
        create(self, scope, id, struct(
            TerraformResourceConfig, terraform_resource_type=self.TYPE, terraform_generator_metadata=_AWS_METADATA,
            provider=getattr(scope, "_provider", None)))
        self._join(batch, scope, id, attributes or {})

    def attr(self, name: str) -> str:
        """Like ``AwsResource.attr``: built in Python when the logical id is known."""
        if self._address is None:
            return self.get_string_attribute(name)
        return f"${{data.{self.TYPE}.{self._address[2]}.{name}}}"
