"""Tour steps after initialization: edit values by hand and with set_value, then tie layers.

Two explanations quote values of the run (``Step.facts``): the largest change that ``diff``
shows, and the layer names of the tied net, which count on from the earlier steps.
"""
from .step import Step


def _diff_facts(ns):
    """The largest change of the first weight, as the diff table prints it."""
    import numpy as np

    from .._table import fmt

    row = ns["diff"](ns["before"], ns["net"]).rows[0]
    old, new = ns["before"]["0.weight"], ns["net"][0].weight.data().asnumpy()
    at = np.unravel_index(np.abs(new - old).argmax(), old.shape)
    every = row.changed == row.size
    return dict(changed_en=f"all {fmt(row.size)}" if every else
                f"{fmt(row.changed)} of the {fmt(row.size)}",
                changed_zh=f"全部 {fmt(row.size)} 个元素都" if every else
                f"{fmt(row.size)} 个元素中有 {fmt(row.changed)} 个",
                largest=fmt(row.largest), at=list(map(int, at)), old=f"{float(old[at]):.2f}",
                new=fmt(float(new[at])))


def _tied_facts(ns):
    """The tied net's layer names, and its layers, uses and parameters counted; with several
    devices, a word on why their gradients differ (an in-place write reached one copy)."""
    from .._table import fmt

    net = ns["net"]
    ctxs = net[1].weight.list_ctx()
    here, others = ctxs[0], ", ".join(map(str, ctxs[1:]))
    by_hand = fmt(float(net[1].weight.data(here)[0, 0].asscalar()))
    one = len(ctxs) == 1
    return dict(
        layers=len(net), uses=sum(len(list(b.params)) for b in net),
        params=len(list(net.collect_params())), twin=ns["twin"].name,
        shared=ns["shared"].name, first=net[0].name, third=net[2].name, last=net[3].name,
        devices_en="" if one else f" The rows of {others} differ from those of {here}: the "
        f"{by_hand} written into net[1] by hand went to the copy on {here} only.",
        devices_zh="" if one else f"{others} 上的结果和 {here} 上的不同：前面手动写进 net[1] "
        f"的 {by_hand} 只写到了 {here} 上的那份副本。")


STEPS = [
    Step(
        "edit-snapshot",
        ("a snapshot before editing", "修改之前先拍快照"),
        "Before editing, take a snapshot: a copy of every value on every device, so that we "
        "can later see exactly what an edit changed.",
        "动手修改之前先拍一张快照：把每个设备上的每个参数值都复制一份，之后就能看清修改到底改了什么。",
        "before = snapshot(net)\n"
        "before",
    ),
    Step(
        "edit",
        ("writing into data() directly", "直接写入 data()"),
        "data() returns the parameter's NDArray itself, so writing into it changes the "
        "weights: add 1 everywhere, then set one entry to 42.",
        "data() 返回的就是参数本身的 NDArray，往里面写就会直接改变权重："
        "先全部加 1，再把一个元素设为 42。",
        "net[0].weight.data()[:] += 1\n"
        "net[0].weight.data()[0, 0] = 42\n"
        "net[0].weight.data()[0]",
    ),
    Step(
        "edit-diff",
        ("what the edit changed: diff", "diff：这次修改改了什么"),
        "diff compares the snapshot with the net: {changed_en} entries of the first weight "
        "changed, and nothing else moved. The largest change, {largest}, is at "
        "{at}, where {old} became {new}. With several devices, only the current device's "
        "copy was written.",
        "diff 把快照和网络做比较：第一层权重的{changed_zh}变了，其余参数都没动。"
        "变化最大的是 {at} 处的元素，从 {old} 变成了 {new}，变化量为 {largest}。"
        "如果有多个设备，只有当前设备上的那份副本被改写了。",
        "diff(before, net)",
        facts=_diff_facts,
    ),
    Step(
        "set-value",
        ("the same edit with set_value", "用 set_value 做同样的修改"),
        "set_value makes the same edit in one checked call (here from the snapshot's NumPy "
        "copy of the old values) and writes every device's copy through set_data: the diff "
        "shows the same change, now on every device.",
        "set_value 用一次带检查的调用完成同样的修改（这里从快照里旧值的 NumPy 副本出发），"
        "并通过 set_data 写入每个设备上的副本：diff 显示同样的变化，而且每个设备上都改了。",
        "w = before['0.weight'] + 1   # the values before the edit, plus one\n"
        "w[0, 0] = 42\n"
        "set_value(net[0].weight, w)\n"
        "diff(before, net)",
    ),
    Step(
        "set-value-shape",
        ("a value of the wrong shape", "形状不对的值"),
        "A value of the wrong shape is refused before anything is written, and the message "
        "says which shape is the value's and which the parameter's (Gluon's set_data swaps "
        "'expected' and 'given').",
        "形状不对的值在写入之前就会被拒绝。报错信息分别写明了值的形状和参数的形状；"
        "Gluon 自己的 set_data 报错时却把“期望的形状”和“实际的形状”说反了。",
        "set_value(net[0].weight, nd.ones((20, 256)))",
        expect_error="ValueError",
    ),
    Step(
        "set-value-record",
        ("a write inside autograd.record()", "在 autograd.record() 里写参数"),
        "Inside autograd.record() a write would become part of the recorded graph, so "
        "set_value refuses it and names the fix: autograd.pause() or outside the block.",
        "在 autograd.record() 里写参数，这次写入会被记进计算图，所以 set_value 直接拒绝，"
        "并告诉你怎么改：改用 autograd.pause()，或者移到 record 块外面。",
        "with autograd.record():\n"
        "    set_value(net[0].weight, 0)",
        expect_error="RuntimeError",
    ),
    Step(
        "tie-build",
        ("a net with net[1] and net[2] tied", "net[1] 和 net[2] 参数绑定的网络"),
        "To tie parameters, build the later layer with params=shared.params: net[1] and "
        "net[2] of this net then hold one set of parameters (the lecture's code).",
        "要绑定参数，就在构造后面的层时传入 params=shared.params：这样这个网络的 net[1] 和 "
        "net[2] 拿着同一组参数（课上的代码）。",
        "net = nn.Sequential()\n"
        "shared = nn.Dense(8, activation='relu')\n"
        "net.add(nn.Dense(8, activation='relu'),\n"
        "        shared,\n"
        "        nn.Dense(8, activation='relu', params=shared.params),\n"
        "        nn.Dense(10))\n"
        "net.initialize(ctx=ctx)\n"
        "x = nd.random.uniform(shape=(2, 20))\n"
        "net(x)",
    ),
    Step(
        "tie-same",
        ("one object, not two equal copies", "同一个对象，而不是两份相等的副本"),
        "The two layers have the same values, and after writing 100 into net[1] they still "
        "do: they are one object, not two equal copies.",
        "两层的值相同；往 net[1] 写入 100 之后依然相同：它们是同一个对象，而不是两份相等的副本。",
        "print(net[1].weight.data()[0] == net[2].weight.data()[0])\n"
        "net[1].weight.data()[0, 0] = 100\n"
        "print(net[1].weight.data()[0] == net[2].weight.data()[0])",
    ),
    Step(
        "tie-is-tied",
        ("is_tied: the same Parameter objects?", "is_tied：是不是同一批 Parameter 对象"),
        "is_tied asks the real question, whether two layers hold the same Parameter objects; "
        "equal values are not enough.",
        "is_tied 问的才是真正的问题：两层是否拿着同一批 Parameter 对象；值相等并不够。",
        "is_tied(net[1], net[2]), is_tied(net[0], net[1])",
    ),
    Step(
        "tie-groups",
        ("tied_groups: where a tied parameter sits", "tied_groups：绑定的参数在哪些位置"),
        "tied_groups lists the places in the net (structural paths) that hold one parameter.",
        "tied_groups 列出网络中拿着同一个参数的位置（结构路径）。",
        "tied_groups(net)",
    ),
    Step(
        "tie-collect",
        ("tied parameters listed once; the names", "绑定的参数只列一次；层的名称"),
        "collect_params lists a tied parameter once: the {layers} layers hold {uses} "
        "parameters between them, but only {params} different ones. The names go on counting "
        "across the tour (the earlier steps took dense0 to {twin}), in the order the layers "
        "were built: shared first ({shared}), then the first layer inside net.add ({first}); "
        "the third layer, {third}, holds {shared}'s parameters and has none of its own; the "
        "last is {last}. So the list starts with {first} and has no {third}.",
        "collect_params 对绑定的参数只列一次：{layers} 个层一共拿着 {uses} 个参数，但不同的只有 "
        "{params} 个。层的名称在整个导览中一直往上数（前面的步骤已经用掉了 dense0 到 {twin}），"
        "并且按构造的先后编号：shared 最先构造（{shared}），然后是 net.add 里的第一层（{first}）；"
        "第三层 {third} 拿着 {shared} 的参数，自己没有参数；最后一层是 {last}。"
        "所以列表从 {first} 开始，而且没有 {third}。",
        "list(net.collect_params())",
        facts=_tied_facts,
    ),
    Step(
        "tie-grad",
        ("the gradient of a tied parameter", "绑定参数的梯度"),
        "In backpropagation the gradient of a tied parameter is the sum of the gradients "
        "of its uses. tied_gradients computes both for {shared}'s weight and bias and "
        "compares them.{devices_en}",
        "反向传播时，绑定参数的梯度是它各处使用的梯度之和。tied_gradients 对 {shared} "
        "的权重和偏置把两者都算出来做比较。{devices_zh}",
        "tied_gradients(net, x)",
        facts=_tied_facts,
    ),
    Step(
        "tie-vs-copy",
        ("copying is not tying", "复制不等于绑定"),
        "Copying is not tying: copy_params copies the values into a separate layer, so a "
        "later edit of the tied weight reaches the tied layer but not the copy.",
        "复制不等于绑定：copy_params 把数值复制到另一个独立的层里，之后再修改绑定的权重，"
        "绑定的层跟着变，复制出来的层不变。",
        "copied = nn.Dense(8, activation='relu', in_units=8)\n"
        "copied.initialize(init.Zero(), ctx=ctx)\n"
        "print(copy_params(net[1], copied))\n"
        "set_value(net[1].weight, lambda w: w * 2)   # edit the tied weight\n"
        "print('tied:  ', is_tied(net[1], net[2]),\n"
        "      (net[2].weight.data() == net[1].weight.data()).asnumpy().all())\n"
        "print('copied:', is_tied(net[1], copied),\n"
        "      (copied.weight.data() == net[1].weight.data()).asnumpy().all())",
    ),
    Step(
        "tie-shape",
        ("a tied layer of the wrong size", "尺寸不对的绑定层"),
        "A tied layer must fit the tied weight. Gluon stops a wrong size with a bare "
        "AssertionError; tied_dense names both layers and both shapes.",
        "绑定参数的层必须和被绑定的权重形状一致。尺寸不对时，Gluon 只抛出一个没有任何说明的 "
        "AssertionError；tied_dense 会指出两个层和两个形状。",
        "tied_dense(shared, 16, activation='relu')",
        expect_error="ValueError",
    ),
]
