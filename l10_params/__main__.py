"""``python -m l10_params``: the same as the ``l10-params`` command."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
