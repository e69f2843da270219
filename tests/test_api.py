"""The public contract: __all__ is sorted, complete and importable; every name and signature
is pinned, so that a rename or a changed parameter shows up here as a reviewed diff."""
import inspect

import pytest

import l10_params
import l10_params.testing

DESIGN_NAMES = {  # the public API of DESIGN.md that notebooks and homework are written against
    "try_gpu", "try_all_gpus", "resolve_ctx", "fresh_names", "lecture_mlp", "lecture_tied_mlp",
    "MyInit", "summary", "Summary", "select", "freeze", "unfreeze", "set_attr", "reinitialize",
    "initialize_by_pattern", "explain_init", "check_init", "Check", "set_value", "copy_params",
    "snapshot", "Snapshot", "diff", "tied_groups", "is_tied", "tied_gradients", "hist",
}
DESIGN_TESTING = {"assert_tied", "assert_not_tied", "assert_initialized", "assert_init_matches",
                  "assert_params_equal", "assert_selects", "assert_frozen"}

# Every public name and its signature (parameter names, kinds and defaults).
SIGNATURES = {
    "Check": "(name, initializer, passed, measured=<factory>, expected=<factory>, detail='', "
             "verdict='', needed=None)",
    "DistResult": "(rows, *, workers, servers, steps, port, seconds)",
    "MyInit": "(verbose=True, **kwargs)",
    "Snapshot": "(net)",
    "Summary": "(rows, *, title, stats, grads=False)",
    "check_forward_ctx": "(net, X)",
    "check_init": "(param, init)",
    "copy_params": "(src, dst, select=None, *, exclude=None, by='name', mapping=None, "
                   "allow_nonfinite=False)",
    "diff": "(before, after)",
    "explain_init": "(net, init=None)",
    "freeze": "(net, select=None, *, exclude=None, by='name')",
    "fresh_names": "()",
    "hist": "(net, select=None, *, exclude=None, by='name', ax=None, bins=50)",
    "initialize_by_pattern": "(net, rules, *, default=None, ctx=None, allow_nonfinite=False)",
    "is_tied": "(a, b)",
    "lecture_mlp": "(ctx=None, *, seed=None)",
    "lecture_tied_mlp": "(ctx=None, *, seed=None)",
    "num_gpus": "()",
    "param_at": "(net, path)",
    "reinitialize": "(net, init=None, select=None, *, exclude=None, by='name', ctx=None, "
                    "override=False, allow_nonfinite=False)",
    "replicas": "(net)",
    "reset_ctx": "(net, ctx=None)",
    "resolve_ctx": "(spec=None)",
    "run_dist": "(workers=2, *, servers=1, steps=2, port=None, timeout=60.0)",
    "select": "(net, select=None, *, exclude=None, by='name')",
    "set_attr": "(net, select=None, *, exclude=None, by='name', **attrs)",
    "set_value": "(param, value, *, allow_nonfinite=False)",
    "snapshot": "(net)",
    "summary": "(net, select=None, *, exclude=None, by='name', stats=False, grads=False)",
    "tied_dense": "(shared, units=None, **kwargs)",
    "tied_gradients": "(net, X)",
    "tied_groups": "(net, X=None)",
    "try_all_gpus": "()",
    "try_gpu": "(i=0)",
    "unfreeze": "(net, select=None, *, exclude=None, by='name')",
}
TESTING_SIGNATURES = {
    "assert_tied": "(a, b, *, names=None)",
    "assert_not_tied": "(a, b, *, names=None)",
    "assert_initialized": "(net, *, name=None)",
    "assert_init_matches": "(net, init, select=None, *, exclude=None, by='name', name=None)",
    "assert_params_equal": "(a, b, select=None, *, exclude=None, by='name', rtol=1e-06, "
                           "atol=0.0, names=None)",
    "assert_selects": "(net, select, expected_names, *, exclude=None, by='name', name=None)",
    "assert_frozen": "(net, select=None, *, exclude=None, by='name', frozen=True, only=False, "
                     "name=None)",
    "assert_param_at": "(net, path, param, *, names=None)",
    "assert_grad_is_sum": "(net, X, grads=None, *, rtol=0.0001, atol=1e-06, names=None)",
    "assert_grad_norms": "(net, reported, *, rtol=0.0001, atol=1e-06, names=None)",
    "assert_losses": "(losses, *, steps=None, name=None)",
    "explain_errors": "()",
}


def render(obj) -> str:
    """``(net, select=None, *, stats=False)``: names, kinds and defaults, no annotations."""
    parts, star = [], False
    for p in inspect.signature(obj).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append("*" + p.name)
            star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append("**" + p.name)
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        parts.append(p.name + ("" if p.default is p.empty else "=" + repr(p.default)))
    return "(" + ", ".join(parts) + ")"


def test_every_name_is_pinned():
    assert sorted(l10_params.__all__) == sorted(SIGNATURES), "pin new names in SIGNATURES"
    assert sorted(l10_params.testing.__all__) == sorted(TESTING_SIGNATURES)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_is_pinned(name):
    assert render(getattr(l10_params, name)) == SIGNATURES[name]


@pytest.mark.parametrize("name", sorted(TESTING_SIGNATURES))
def test_testing_signature_is_pinned(name):
    assert render(getattr(l10_params.testing, name)) == TESTING_SIGNATURES[name]


def test_the_pin_can_fail():
    def changed(net, select=None, stats=False):  # stats no longer keyword-only
        """A changed summary."""
    assert render(changed) != SIGNATURES["summary"]


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
    assert DESIGN_TESTING <= set(l10_params.testing.__all__)


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


def _public_callables():
    for mod in (l10_params, l10_params.testing):
        for name in mod.__all__:
            obj = getattr(mod, name)
            yield f"{mod.__name__}.{name}", obj


def test_one_name_for_each_thing():
    """The rules of docs/design.md ("One name for each thing"), on every public signature:
    the Gluon regex is ``select`` (positional or keyword, right after the operands), with
    keyword-only ``exclude`` and ``by`` beside it; no retired names."""
    retired = {"pattern", "target", "net_or_param", "param_or_net"}
    seen_select = 0
    for qual, obj in _public_callables():
        params = list(inspect.signature(obj).parameters.values())
        names = [p.name for p in params]
        assert not retired & set(names), f"{qual} uses a retired name: {retired & set(names)}"
        if "select" in names:
            seen_select += 1
            i = names.index("select")
            sel = params[i]
            assert sel.kind is sel.POSITIONAL_OR_KEYWORD, f"{qual}: select must be positional"
            kw = {p.name: p for p in params if p.kind is p.KEYWORD_ONLY}
            assert {"exclude", "by"} <= set(kw), f"{qual}: exclude= and by= go with select"
            assert list(kw)[:2] == ["exclude", "by"], f"{qual}: exclude, by come first"
            assert kw["by"].default == "name" and kw["exclude"].default is None, qual
    assert seen_select >= 12  # select, summary, hist, freeze, ..., assert_frozen


def test_the_naming_rule_can_fail():
    def bad(net, pattern=None, *, by="name"):
        """Old spelling."""
    assert "pattern" in inspect.signature(bad).parameters


def test_readme_and_docs_links_resolve():
    """Every relative link of README.md and docs/*.md names a file of the repository (each fact
    is written once in docs/ and linked from the README)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(root)} -> {target}")
    assert not broken, f"links to missing files: {broken}"
    assert len(pages) >= 7
