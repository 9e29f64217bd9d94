"""`python -m emr_cost`."""
import sys

from .cli import main

sys.exit(main())
