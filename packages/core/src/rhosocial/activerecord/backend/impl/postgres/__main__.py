"""``python -m rhosocial.activerecord.backend.impl.postgres``: the command-line tool."""

import sys

from .cli import main

sys.exit(main())
