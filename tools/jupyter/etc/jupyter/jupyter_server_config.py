"""Jupyter Server settings of this project's virtual environment.

tools/jupyter/ mirrors a venv's prefix and is copied into every venv the project builds, so
this file is <venv>/etc/jupyter/jupyter_server_config.py, read by `jupyter lab` (make lab).

A notebook opens unmodified. When its kernel connects, JupyterLab writes the kernel's
``language_info`` (which names the exact Python version, such as 3.11.7) into the notebook's
metadata and marks it modified unless it is already there, and a committed notebook cannot
name every student's Python. So a notebook that runs on the project's kernel (``l10-params``,
this venv's Python) is served with the ``language_info`` that kernel will report, filled in
where the file has less; the file itself is not touched, and nothing the file says is changed.
"""
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

KERNEL = "l10-params"


class L10ParamsContentsManager(AsyncLargeFileManager):
    """Jupyter's default contents manager; l10-params notebooks get the kernel's language_info."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if model.get("type") == "notebook" and model.get("content"):
            metadata = model["content"].metadata
            if metadata.get("kernelspec", {}).get("name") == KERNEL:
                from ipykernel.ipkernel import IPythonKernel

                reported = dict(IPythonKernel.language_info)
                written = dict(metadata.get("language_info", {}))
                if {**reported, **written} == reported:   # fills in, never overrides
                    metadata["language_info"] = reported
        return model


c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.ServerApp.contents_manager_class = L10ParamsContentsManager
