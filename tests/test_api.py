"""The public contract: __all__ is sorted, complete and importable; DESIGN.md's names exist."""
import inspect

import l10_params

DESIGN_NAMES = {  # the public API of DESIGN.md that notebooks and homework are written against
    "try_gpu", "try_all_gpus", "resolve_ctx", "fresh_names", "lecture_mlp", "lecture_tied_mlp",
    "MyInit", "summary", "select", "freeze", "unfreeze", "set_attr",
}


def test_all_is_sorted_and_unique():
    assert l10_params.__all__ == sorted(set(l10_params.__all__))


def test_all_names_exist_and_are_documented():
    for name in l10_params.__all__:
        obj = getattr(l10_params, name)
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_every_public_function_is_exported():
    public = {n for n, v in vars(l10_params).items()
              if not n.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v))}
    assert public <= set(l10_params.__all__)


def test_design_names_present():
    assert DESIGN_NAMES <= set(l10_params.__all__)


def test_version():
    assert l10_params.__version__.count(".") == 2


def test_readme_example_is_real():
    """The README's example block runs as a doctest: the printed table is the real one."""
    import doctest
    import pathlib

    readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
    result = doctest.testfile(str(readme), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0
