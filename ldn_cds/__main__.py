"""``python -m ldn_cds``: same as the ``ldn-cds`` console script."""

import sys

from ldn_cds.cli import main

sys.exit(main())
