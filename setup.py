"""Ship l10_params_numpy_shim.pth at the top of the wheel, so that it lands in site-packages.

All metadata lives in pyproject.toml; this file only adds the .pth (see _l10_params_numpy_shim.py
for what it does, and docs/install.md for why). setuptools has no pyproject setting for a file
at the root of site-packages, hence this build_py. Editable installs (`pip install -e .`) keep
only setuptools' own path hook in their wheel, so tools/venv.py, the Makefile's venv builder,
copies the .pth there itself.
"""
import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "l10_params_numpy_shim.pth"


class build_py_with_pth(build_py):
    def run(self):
        super().run()
        if not self.editable_mode:
            self.copy_file(PTH, str(pathlib.Path(self.build_lib, PTH)))

    def get_outputs(self, include_bytecode=True):
        extra = [] if self.editable_mode else [str(pathlib.Path(self.build_lib, PTH))]
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": build_py_with_pth})
