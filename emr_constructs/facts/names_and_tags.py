"""EMR's XmlString names and EC2's tag rules, which EMR tags follow. The pages the comments cite are listed in the
package docstring."""
from __future__ import annotations

import re

from emr_contract.steps import XML_STRING

# RJF Name, bootstrap action Name (BootstrapActionConfig), instance group/fleet Name: XmlStringMaxLen256 -
# 0 to 256 characters matching this pattern. InstanceType: 1 to 256 characters (IGC/ITC). ScriptBootstrap
# Path: XmlString, at most 10280 characters.
MAX_NAME_CHARS = 256
MAX_XML_STRING_CHARS = 10280


def xml_string_ok(value: object, max_chars: int = MAX_NAME_CHARS, min_chars: int = 0) -> bool:
    """Whether ``value`` fits EMR's XmlString shape (RJF): its characters and its length."""
    return (isinstance(value, str) and min_chars <= len(value) <= max_chars
            and XML_STRING.fullmatch(value) is not None)


# Tags. MG emr-plan-tags-restrictions: EC2's restrictions apply; "Do not use the aws: prefix in tag names and
# values"; "A tag value can be an empty string, but not null. In addition, a tag key cannot be an empty
# string."; allowed characters "any alphabetic character in any language, any numeric character, white
# spaces, invisible separators, and the following symbols: _ . : / = + - @". TAGS: at most 50 tags, keys of
# at most 128 and values of at most 256 Unicode characters; the aws: prefix is reserved in any case.
MAX_TAGS = 50
TAG_KEY_CHARS = (1, 128)
TAG_VALUE_CHARS = (0, 256)
TAG_RESERVED_PREFIX = "aws:"
TAG_CHARACTERS = re.compile(r"[\w\s.:/=+\-@\u2060-\u2064\u180e\u200b-\u200d]*", re.UNICODE)


def tag_problems(key: object, value: object) -> list[tuple[str, str]]:
    """Every way a tag breaks EC2's tag rules, as ("key" or "value", why)."""
    problems = []
    if not isinstance(key, str) or not TAG_KEY_CHARS[0] <= len(key) <= TAG_KEY_CHARS[1]:
        problems.append(("key", f"tag keys are {TAG_KEY_CHARS[0]}-{TAG_KEY_CHARS[1]} characters"))
    elif key.lower().startswith(TAG_RESERVED_PREFIX):
        problems.append(("key", "tag keys must not start with the reserved prefix aws:"))
    elif not TAG_CHARACTERS.fullmatch(key):
        problems.append(("key", "tag keys take letters, digits, spaces and _ . : / = + - @ only"))
    if not isinstance(value, str) or len(value) > TAG_VALUE_CHARS[1]:
        problems.append(("value", f"tag values are strings of at most {TAG_VALUE_CHARS[1]} characters"))
    elif value.lower().startswith(TAG_RESERVED_PREFIX):
        problems.append(("value", "tag values must not start with the reserved prefix aws:"))
    elif not TAG_CHARACTERS.fullmatch(value):
        problems.append(("value", "tag values take letters, digits, spaces and _ . : / = + - @ only"))
    return problems
