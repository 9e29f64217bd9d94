"""The emulator's moto patches last exactly as long as an emulator runs in the process."""
from __future__ import annotations

import pytest
from moto.s3.models import FakeBucket

from local_emr.api import moto_fixes
from local_emr.server import LocalEmr

pytestmark = pytest.mark.integration  # starts the emulator's server


def test_patches_are_removed_when_the_last_emulator_stops() -> None:
    released = FakeBucket.get_permission
    first, second = LocalEmr(cloudwatch_logs=False).start(), LocalEmr(cloudwatch_logs=False).start()
    try:
        assert FakeBucket.get_permission is not released and moto_fixes._originals
        first.stop()
        assert FakeBucket.get_permission is not released and moto_fixes._originals  # the second still runs
    finally:
        first.stop()
        second.stop()
    assert FakeBucket.get_permission is released
    assert not moto_fixes._originals
    second.stop()  # stopping twice changes nothing
    assert FakeBucket.get_permission is released
