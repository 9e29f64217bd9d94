"""`make security` inside the suite: checkov (JSON and plan modes) and parliament on every shipped
stack, so `make test` runs it in parallel with the other slow tests."""
import pytest

from .conftest import CHECKOV, require_terraform_mirror

pytestmark = pytest.mark.integration

require_terraform_mirror(CHECKOV.exists(), " and .venv-checkov (make test installs it)")


def test_every_shipped_stack_passes_the_security_scan(security_scan):
    assert security_scan["returncode"] == 0, security_scan["stdout"][-20000:] + security_scan["stderr"][-5000:]
