"""``python -m l10_params``: the ``l10-params`` command, after Python imported the package.

Python imports ``l10_params`` (and so MXNet) before it runs this file, so usage errors take
seconds here; the ``l10-params`` console script (``_l10_params_cli.py``) answers them first.
"""
from _l10_params_cli import console

if __name__ == "__main__":
    console()
