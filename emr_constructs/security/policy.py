"""IAM policy documents built in Python, serialized deterministically."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence


@dataclass(frozen=True, kw_only=True)
class Statement:
    actions: Sequence[str]
    resources: Sequence[str] = ()
    effect: str = "Allow"
    sid: Optional[str] = None
    principals: Optional[Mapping[str, Any]] = None
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sid:
            out["Sid"] = self.sid
        out["Effect"] = self.effect
        if self.principals is not None:
            out["Principal"] = dict(self.principals)
        out["Action"] = _one_or_list(self.actions)
        if self.resources:
            out["Resource"] = _one_or_list(self.resources)
        if self.conditions:
            out["Condition"] = {op: dict(cond) for op, cond in self.conditions.items()}
        return out


def _one_or_list(values: Sequence[str]) -> Any:
    values = list(values)
    return values[0] if len(values) == 1 else values


def policy_document(statements: Sequence[Statement]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [s.to_json() for s in statements]}, indent=2)


def trust_policy(service: str, conditions: Optional[Mapping[str, Mapping[str, Any]]] = None) -> str:
    """A role trust policy for one AWS service principal."""
    return policy_document([
        Statement(
            actions=["sts:AssumeRole"],
            principals={"Service": service},
            conditions=conditions or {},
        )
    ])
