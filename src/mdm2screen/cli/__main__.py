"""``python -m mdm2screen.cli``: the ``mdm2screen`` command."""

import sys

from . import main

sys.exit(main())
