"""`python -m step_runner`."""
import sys

from .cli import main

sys.exit(main())
