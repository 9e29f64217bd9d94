"""python -m emr_scaling"""
import sys

from .cli import main

sys.exit(main())
