"""nbgrader configuration of the l10_params course (homework of lecture 10, 管理参数).

Run nbgrader from this directory (``cd notebooks/homework``) and it reads this file. The
source assignment is ``source/params/params.ipynb`` here; everything nbgrader writes (the
student version in ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and the
SQLite gradebook ``gradebook.db``) goes to the build folder ``build/homework/`` at the top of
the repository, or to ``$L10_HOMEWORK_BUILD`` when it is set (``grade.py`` sets it).
"""
import os
import pathlib

c = get_config()  # noqa: F821 (traitlets provides get_config to config files)

HERE = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("L10_HOMEWORK_BUILD")
                     or HERE.parent.parent / "build" / "homework").resolve()

c.CourseDirectory.course_id = "l10-params"
c.CourseDirectory.root = str(BUILD)
c.CourseDirectory.source_directory = str(HERE / "source")  # absolute: kept out of the build
c.CourseDirectory.db_url = f"sqlite:///{BUILD / 'gradebook.db'}"
c.CourseDirectory.db_assignments = [{"name": "params"}]

# Grade with the project's kernel (the venv's Python, registered by `make install`), whatever
# kernel a student's notebook names in its metadata.
c.Execute.kernel_name = "l10-params"
c.Execute.timeout = 120  # seconds per cell; the heaviest cell takes about one
