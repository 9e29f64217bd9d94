"""`make security` inside the suite: checkov (JSON and plan modes) and parliament on every shipped
stack, so `make test` runs it in parallel with the other slow tests."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import require_terraform_mirror

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
CHECKOV = Path(os.environ.get("EMR_CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))

require_terraform_mirror(CHECKOV.exists(), " and .venv-checkov (make test installs it)")


def test_every_shipped_stack_passes_the_security_scan():
    result = subprocess.run([sys.executable, "-m", "scripts.security"], cwd=ROOT, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
