"""How the tour looks in a terminal: its header, each step, the pause between steps.

Everything is laid out for a given width by display width (a Chinese character takes two
columns): prose and output lines are wrapped at spaces and between Chinese characters, never
inside an English word and never before a closing mark such as ）。，; code is printed as it
runs, indented by four spaces, never wrapped; tables fit the width by themselves
(``_table``). The words of the tour itself are in ``WORDS``, in both languages.
"""
from __future__ import annotations

from typing import List, Tuple

from .._table import wrap
from .step import Step

WORDS = {
    "title": {"en": "Managing Parameters: the lecture, step by step",
              "zh": "管理参数：逐步重现课程内容"},
    "context": {"en": "context: {where}", "zh": "设备：{where}"},
    "names": {"en": "(layer names count from dense0, as in a fresh kernel (fresh_names()), and "
                    "the seed is MXNet's default, mx.random.seed(0))",
              "zh": "（层的名称从 dense0 开始数，和新启动的内核一样（fresh_names()）；随机种子是 "
                    "MXNet 的默认值 mx.random.seed(0)）"},
    "numpy": {"en": "(NumPy mode, npx.set_np(), is on: the steps are the lecture's legacy nd "
                    "code, so the tour switches it off while it runs and back on after)",
              "zh": "（当前开启了 NumPy 模式 npx.set_np()：各步骤是课程中使用旧版 nd 接口的代码，"
                    "所以导览运行期间会暂时关闭它，结束后再重新打开）"},
    "before": {"en": "(steps 1 to {last} ran first, without output: step {first} uses what "
                     "they made)",
               "zh": "（第 1 到 {last} 步已经先运行过，不显示输出：第 {first} 步要用到它们的"
                     "结果）"},
    "pause-step": {"en": "── Enter: step {i}/{n} · q, Enter: quit ──",
                   "zh": "── 回车：第 {i}/{n} 步 · 输入 q 再回车：退出 ──"},
    "pause-output": {"en": "── Enter: Out[{i}] · q, Enter: quit ──",
                     "zh": "── 回车：显示 Out[{i}] · 输入 q 再回车：退出 ──"},
    "stopped-step": {"en": "(stopped after step {i-1} of {n}; to go on: --from {i})",
                     "zh": "（在第 {i-1} 步后停止，共 {n} 步；接着看：--from {i}）"},
    "stopped-output": {"en": "(stopped before the output of step {i} of {n}; to go on: "
                             "--from {i})",
                       "zh": "（在第 {i} 步的输出之前停止，共 {n} 步；接着看：--from {i}）"},
    # how the context was chosen, for the Chinese header (the English one prints the reason)
    "argument": {"zh": "由参数指定"},
    "env": {"zh": "来自环境变量 $L10_PARAMS_CTX"},
    "default": {"zh": "默认"},
    "auto-gpu": {"zh": "auto（{source}）：找到 {n} 块 GPU，全部使用"},
    "auto-cpu": {"zh": "auto（{source}）：{why}没有可用的 GPU，所以用 CPU"},
    "no-cuda": {"zh": "安装的 MXNet 不含 CUDA（PyPI 上的 mxnet==1.9.1 只支持 CPU），"},
}


def say(key: str, lang: str, **fields) -> str:
    """The tour's own words for ``key`` in ``lang``, fields filled ({i-1}: the step before)."""
    text = WORDS[key][lang]
    if "i" in fields:
        text = text.replace("{i-1}", str(fields["i"] - 1))
    return text.format(**fields)


def context_line(ctx, lang: str) -> str:
    """Where the tour runs and why: the contexts' ``reason`` in English, said again in Chinese."""
    if lang == "en":
        return say("context", lang, where=ctx.reason)
    reason = ctx.reason
    source = say("env" if "$L10_PARAMS_CTX" in reason else
                 "argument" if "(argument)" in reason else "default", lang)
    devices = ", ".join(map(str, ctx))
    if reason.startswith("auto"):
        gpus = [c for c in ctx if c.device_type == "gpu"]
        why = say("no-cuda", lang) if "no CUDA" in reason else ""
        how = say("auto-gpu" if gpus else "auto-cpu", lang, source=source, n=len(gpus), why=why)
        return say("context", lang, where=f"{devices}；{how}")
    return say("context", lang, where=f"{devices}（{source}）")


def header(ctx, lang: str, width: int, numpy_mode: bool = False, first: int = 1) -> str:
    """The lines before the first step shown."""
    parts = [say("title", lang), context_line(ctx, lang), say("names", lang)]
    if numpy_mode:
        parts.append(say("numpy", lang))
    if first > 1:
        parts.append(say("before", lang, last=first - 1, first=first))
    return "\n".join(line for p in parts for line in wrap(p, width))


def step(i: int, n: int, s: Step, lang: str, text: str, output: str,
         width: int) -> Tuple[str, str]:
    """One step as shown, in two parts: heading, explanation, ``In [i]:`` and its code; then
    ``Out[i]:`` and the output (empty when the step prints nothing)."""
    lines: List[str] = wrap(f"── {i}/{n} {s.heading(lang)} ──", width)
    lines += wrap(text, width)
    lines.append(f"In [{i}]:")
    lines += [f"    {ln}".rstrip() for ln in s.code.splitlines()]
    output = output.lstrip("\n")
    body = "\n".join([f"Out[{i}]:", *wrap(output, width)]) if output else ""
    return "\n".join(lines), body
