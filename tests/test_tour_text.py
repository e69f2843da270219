"""The tour's teaching text is true to its run, and each language says it in its own words.

- Every number or layer name an explanation writes literally is in the step's code or in
  what the step printed; a value that only the run knows (the largest change of a diff, the
  names that counted up) is a field that ``Step.facts`` fills from the run.
- The Chinese text uses one word per concept, as the current D2L book does, and is Chinese
  throughout except code, names of the library and of MXNet, and what the code prints.
"""
import re

import pytest

import l10_params
from l10_params.tour import Tour, all_steps, screen
from l10_params.tour.step import Step

STEPS = all_steps()
KEYS = [s.key for s in STEPS]
# written literally without being in code or output: the lecture's year, and the first name
# of the tour (fresh_names() restarts at dense0, as step 1's output shows)
ALLOWED = {"2019", "dense0"}
# the current D2L book's word for each concept, and the words it replaced
GLOSSARY = {"偏差": "偏置", "前向计算": "前向传播", "正向传播": "前向传播",
            "共享": "绑定（参数绑定）", "后向传播": "反向传播", "上下文": "设备"}
# English words that may stand in Chinese prose: MXNet's and the lecture's proper names
PROPER = {"MXNet", "Gluon", "NumPy", "NDArray", "Parameter", "Dense", "ReLU", "Xavier",
          "Normal", "Constant", "MyInit", "GPU", "CPU", "auto", "Enter", "AssertionError",
          "CUDA", "PyPI"}
# the names of the tour's code; its comments and strings are English
TOUR_CODE = re.sub(r"#.*|'[^']*'", "", "\n".join(s.code for s in STEPS))


@pytest.fixture(scope="module")
def run():
    """The whole tour once: the tour, each step's output and explanation in each language."""
    t = Tour(ctx="cpu")
    out = t.run()
    text = {lang: [t.explain(s.key, lang) for s in STEPS] for lang in ("en", "zh")}
    return t, out, text


def literals(template: str):
    """Numbers and layer names written in ``template`` outside its {fields}."""
    bare = re.sub(r"\{\w+\}", " ", template)
    bare = re.sub(r"\b[A-Za-z_]*[A-Za-z]\d*\(", "(", bare)  # Constant(42)'s 42 stays
    names = re.findall(r"\bdense\d+\b", bare)
    numbers = re.findall(r"(?<![\w.])-?\d+(?:[.,]\d+)*(?![\d])", re.sub(r"\bdense\d+", "", bare))
    return names + numbers


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("step", STEPS, ids=KEYS)
def test_literal_numbers_and_names_are_in_the_code_or_the_output(run, step, lang):
    _, out, _ = run
    template = step.zh if lang == "zh" else step.en
    seen = step.code + "\n" + out[KEYS.index(step.key)]
    missing = [x for x in literals(template) if x not in ALLOWED and x not in seen]
    assert not missing, (f"step {step.key!r} ({lang}) writes {missing}, which its code and "
                         "output do not show: take it from the run with a {field} (Step.facts)")


def test_the_literal_check_can_fail():
    assert literals("the largest change is the 42 (dense5, {x}, 0.5)") == ["dense5", "42", "0.5"]
    assert literals("N(0, 0.01²) and U(-10, 10), Constant(1) {n}") == \
        ["0", "0.01", "-10", "10", "1"]


def test_the_largest_change_is_the_one_the_table_shows(run):
    t, out, text = run
    k = KEYS.index("edit-diff")
    row = next(ln for ln in out[k].splitlines() if ln.startswith("dense0_weight"))
    largest = row.split()[-2]
    old = float(t.ns["before"]["0.weight"][0, 0])
    for lang in ("en", "zh"):
        assert largest in text[lang][k] and f"{old:.2f}" in text[lang][k]
        assert "[0, 0]" in text[lang][k] and "42" in text[lang][k]
    assert abs(float(largest) - (42 - old)) < 0.01  # the change from old to 42
    assert "all 5,120 entries" in text["en"][k]
    others = [ln for ln in out[k].splitlines() if re.match(r"dense\d_(weight|bias) ", ln)][1:]
    assert len(others) == 3 and all(re.search(r"\)\s+0\s", ln) for ln in others), \
        "nothing else moved"


def test_the_counted_up_names_are_explained_with_the_run(run):
    t, out, text = run
    k = KEYS.index("tie-collect")
    net, listed = t.ns["net"], eval(out[k])
    first, shared, third, last = net[0].name, net[1].name, net[2].name, net[3].name
    assert shared == t.ns["shared"].name and net[2].weight is net[1].weight
    assert listed[0].startswith(first + "_") and not any(n.startswith(third) for n in listed)
    assert [n.rsplit("_", 1)[0] for n in listed[::2]] == [first, shared, last]
    for lang in ("en", "zh"):
        for name in (first, shared, third, last, t.ns["twin"].name):
            assert name in text[lang][k]
    assert f"the {len(net)} layers hold 8 parameters between them, but only {len(listed)} " \
           "different ones" in text["en"][k]
    assert "dense0" in out[0] or "dense0" in out[1], "the tour's names start at dense0"
    assert t.ns["shared"].name in text["en"][KEYS.index("tie-grad")]


@pytest.mark.parametrize("step", STEPS, ids=KEYS)
def test_chinese_uses_the_books_words(step):
    zh = step.zh + step.title[1]
    found = {w: right for w, right in GLOSSARY.items() if w in zh}
    assert not found, f"step {step.key!r}: use the book's word: {found}"


def test_the_tours_own_words_use_the_books_words_too():
    zh = " ".join(w["zh"] for w in screen.WORDS.values())
    assert not [w for w in GLOSSARY if w in zh]


def english_words(text: str):
    return re.findall(r"[A-Za-z][A-Za-z_]+", re.sub(r"\{\w+\}", "", text))


def untranslated(zh: str):
    """English words in Chinese text that are neither code of the tour, names of the library,
    Python's own words (a regex's re.match, a Gluon call's argument) nor proper names."""
    code = set(english_words(TOUR_CODE)) | set(l10_params.__all__) | PROPER | {
        "set_data", "array"}
    zh = re.sub(r"[A-Za-z_][\w.]*\([^)]*\)|\w+(\.\w+)+|\w+=|'[^']*'|dense\d+", " ", zh)  # code
    return [w for w in english_words(zh) if w not in code]


@pytest.mark.parametrize("step", STEPS, ids=KEYS)
def test_chinese_text_is_chinese_except_code_and_names(step):
    assert not untranslated(step.zh + " " + step.title[1])


def test_the_untranslated_check_can_fail():
    assert untranslated("这是 the 权重：net[0].weight 的 data()，autograd.pause()") == ["the"]


def test_the_header_and_pause_speak_chinese():
    for key, words in screen.WORDS.items():
        if "zh" in words:  # the names, the mode, the seed and the flags, as code
            assert not [w for w in untranslated(words["zh"]) if w not in {
                "dense", "fresh_names", "mx", "random", "seed", "npx", "set_np", "nd",
                "from", "q", "PARAMS_CTX", "mxnet", "Out"}], key  # Out[11], as Jupyter


@pytest.mark.parametrize("spec, env, line", [
    ("cpu:0,cpu:1", None, "设备：cpu(0), cpu(1)（由参数指定）"),
    (None, "cpu:1", "设备：cpu(1)（来自环境变量 $L10_PARAMS_CTX）"),
    (None, None, "设备：cpu(0)；auto（默认）：安装的 MXNet 不含 CUDA（PyPI 上的 mxnet==1.9.1 "
                 "只支持 CPU），没有可用的 GPU，所以用 CPU"),
    ("auto", None, "设备：cpu(0)；auto（由参数指定）：安装的 MXNet 不含 CUDA"),
])
def test_the_context_line_in_chinese(monkeypatch, spec, env, line):
    from l10_params import num_gpus, resolve_ctx

    if num_gpus():
        pytest.skip("this machine has a GPU: 'auto' chooses it")
    monkeypatch.delenv("L10_PARAMS_CTX", raising=False)
    if env:
        monkeypatch.setenv("L10_PARAMS_CTX", env)
    assert screen.context_line(resolve_ctx(spec), "zh").startswith(line)


def test_step_code_fits_80_columns_in_the_tour():
    for s in STEPS:
        for line in s.code.splitlines():
            assert len("    " + line) <= 80, f"step {s.key!r}: {line!r} is too long"


def test_titles_are_one_short_line():
    from l10_params._table import display_width

    for s in STEPS:
        assert len(s.title) == 2 and all(s.title)
        assert len(s.title[0]) <= 52 and display_width(s.title[1]) <= 52, s.key
        assert re.search("[\u4e00-\u9fff]", s.title[1]), s.key


def test_keys_are_unique_and_usable_as_names():
    assert len(set(KEYS)) == len(KEYS)
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", k) for k in KEYS)


def test_facts_fill_every_field():
    ns_free = [s for s in STEPS if s.facts is None]
    assert all("{" not in s.en and "{" not in s.zh for s in ns_free)
    bad = Step("x", ("x", "x"), "{missing}", "{missing}", "1", facts=lambda ns: {})
    with pytest.raises(KeyError):
        bad.explain("en", bad.facts({}))
