"""Release parsing, configuration merging and canonical JSON: pure functions."""
import json

from emr_constructs import Configuration, configurations_json, merge_configurations
from emr_constructs.facts import three_masters_allowed
from emr_constructs.validation.release_gates import Release, allows
from emr_constructs.validation.checker import is_token


def test_release_parse_and_order():
    assert Release.parse("emr-6.10.1") == Release(6, 10, 1)
    assert Release.parse("emr-6.10.1") > Release.parse("emr-6.9.0")
    assert Release.parse("6.10.1") is None
    assert str(Release(7, 2, 0)) == "emr-7.2.0"


def test_release_features():
    r = Release.parse
    assert not allows("step_concurrency", r("emr-5.27.1")) and allows("step_concurrency", r("emr-5.28.0"))
    assert allows("auto_termination", r("emr-5.30.0")) and not allows("auto_termination", r("emr-6.0.0"))
    assert allows("auto_termination", r("emr-6.1.0")) and not allows("auto_termination", r("emr-5.29.0"))
    assert not allows("managed_scaling", r("emr-6.0.0")) and allows("managed_scaling", r("emr-7.0.0"))
    assert three_masters_allowed(r("emr-5.22.0"), fleets=False) is False and \
        three_masters_allowed(r("emr-5.23.0"), fleets=False) is True
    assert not allows("imds_v2", r("emr-5.31.0")) and allows("imds_v2", r("emr-5.27.1"))  # 5.23.1 and 5.27.1 too
    assert not allows("ebs_encryption", r("emr-5.23.0")) and allows("ebs_encryption", r("emr-5.24.0"))
    assert not allows("amazon_linux_2", r("emr-5.29.0")) and allows("amazon_linux_2", r("emr-6.0.0"))


def test_configurations_json_is_canonical_and_sorted():
    out = configurations_json([
        Configuration(classification="spark-env", configurations=(
            Configuration(classification="export", properties={"B": "2", "A": "1"}),)),
        Configuration(classification="spark-defaults", properties={"z": "1", "a": "2"}),
    ])
    assert json.loads(out) == [
        {"Classification": "spark-defaults", "Properties": {"a": "2", "z": "1"}},
        {"Classification": "spark-env", "Properties": {},
         "Configurations": [{"Classification": "export", "Properties": {"A": "1", "B": "2"}}]},
    ]
    assert list(json.loads(out)[0]["Properties"]) == ["a", "z"]


def test_empty_configurations_are_omitted_not_an_empty_list():
    assert configurations_json([]) is None


def test_merge_overrides_properties_by_classification():
    merged = merge_configurations(
        [Configuration(classification="yarn-site", properties={"a": "1", "b": "1"})],
        [Configuration(classification="yarn-site", properties={"b": "2"}),
         Configuration(classification="spark", properties={"x": "y"})],
    )
    assert {c.classification: dict(c.properties) for c in merged} == {
        "yarn-site": {"a": "1", "b": "2"}, "spark": {"x": "y"}}


def test_token_detection_without_jsii():
    assert is_token("${TfToken[TOKEN.1]}")
    assert is_token("arn:${TfToken[TOKEN.1]}:x")
    assert is_token(["#{TfToken[TOKEN.2]}"])
    assert is_token(-1.8881545897087626e289)
    assert not is_token("subnet-0abc") and not is_token(3) and not is_token(None)
