"""`python -m tonghop.dispatch FILE...`: the `tonghop parse` command."""

import sys

from .cli import main

sys.exit(main())
