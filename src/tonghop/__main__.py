import sys

from tonghop.cli import main

sys.exit(main())
