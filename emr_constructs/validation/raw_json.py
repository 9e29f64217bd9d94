"""Raw JSON escape hatches, checked at synth against what EMR takes.

For what the typed props do not cover, a cluster takes EMR's own JSON: ``ClusterProps.configurations_json``
(a ConfigurationList), ``InstanceGroup.autoscaling_json`` (an AutoScalingPolicy) and
``ClusterProps.security_configuration_json`` (a security configuration document). The first two are
validated against botocore's EMR service model (the shapes RunJobFlow and PutAutoScalingPolicy take), so
a misspelt key or a number where EMR wants a string is a ConfigError at synth, not a failed apply. The
security configuration is a free-form string in the API; its top-level sections are checked against the
EMR Management Guide ("Use security configurations to set up cluster security":
https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-security-configurations.html).
"""
from __future__ import annotations

import functools
import json
from typing import Any

from .checker import Checker, is_token

SECURITY_CONFIGURATION_SECTIONS = frozenset({
    "EncryptionConfiguration", "AuthenticationConfiguration", "AuthorizationConfiguration",
    "InstanceMetadataServiceConfiguration",
})


@functools.lru_cache(maxsize=None)
def _shape(name: str) -> Any:
    """A shape of botocore's EMR model (loaded once, only when a hatch is used)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("emr").shape_for(name)


def parse(c: Checker, field: str, text: Any) -> Any:
    """The JSON value of ``text``, or None after recording why it is not JSON."""
    if text is None or is_token(text):
        return None
    if not isinstance(text, str):
        c.fail(field, type(text).__name__, "must be a JSON string")
        return None
    try:
        return json.loads(text)
    except ValueError as err:
        c.fail(field, text[:60], f"is not valid JSON: {err}")
        return None


def check_shape(c: Checker, field: str, value: Any, shape_name: str) -> None:
    """Record botocore's report of ``value`` against the EMR shape ``shape_name``, one problem per error."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(value, _shape(shape_name))
    # botocore keeps its findings as (kind, path, details) and words each one (pinned botocore 1.44.8)
    for error in getattr(report, "_errors", []):
        _kind, path, details = error
        where = f"{field}{_path(path)}"
        if "required_name" in details:
            where, value = f"{where}.{details['required_name']}", "(missing)"
        else:
            value = details.get("param", details.get("unknown_param"))
        c.fail(where, value, f"does not fit EMR's {shape_name}: {report._format_error(error)}")


def check_configurations_json(c: Checker, field: str, text: Any) -> list[dict] | None:
    return _parsed_as(c, field, text, "ConfigurationList")


def check_autoscaling_json(c: Checker, field: str, text: Any) -> dict | None:
    return _parsed_as(c, field, text, "AutoScalingPolicy")


def _parsed_as(c: Checker, field: str, text: Any, shape_name: str) -> Any:
    """The JSON ``text`` when it fits EMR's ``shape_name``; None (with the problems recorded) when not."""
    value = parse(c, field, text)
    if value is None:
        return None
    before = len(c.problems)
    check_shape(c, field, value, shape_name)
    return value if len(c.problems) == before else None


def check_security_configuration_json(c: Checker, field: str, text: Any) -> None:
    value = parse(c, field, text)
    if value is None:
        return
    if not isinstance(value, dict) or not value:
        c.fail(field, type(value).__name__, "must be a JSON object with security configuration sections")
        return
    for key in value:
        c.check(key in SECURITY_CONFIGURATION_SECTIONS, f"{field}.{key}", key,
                f"is not a security configuration section (one of {', '.join(sorted(SECURITY_CONFIGURATION_SECTIONS))})")


def _path(path: str) -> str:
    path = (path or "").lstrip(".")
    return "" if not path else (path if path.startswith("[") else f".{path}")


__all__ = ["check_autoscaling_json", "check_configurations_json", "check_security_configuration_json",
           "SECURITY_CONFIGURATION_SECTIONS"]
