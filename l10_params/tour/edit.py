"""Tour steps after initialization: edit values by hand and with set_value, then tie layers."""
from .step import Step

STEPS = [
    Step(
        "edit-snapshot",
        "Before editing, take a snapshot: a copy of every value on every device, so that we "
        "can later see exactly what an edit changed.",
        "动手修改之前先拍一张快照：把每个设备上的每个参数值都复制一份，之后就能看清修改到底改了什么。",
        "before = snapshot(net)\n"
        "before",
    ),
    Step(
        "edit",
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
        "diff compares the snapshot with the net: every entry of the first weight changed, "
        "the largest change is the 42, and nothing else moved. With several devices, only "
        "the current device's copy was written.",
        "diff 把快照和网络做比较：第一层权重的每个元素都变了，变化最大的是那个 42，其余参数都没动。"
        "如果有多个设备，只有当前设备上的那份副本被改写了。",
        "diff(before, net)",
    ),
    Step(
        "set-value",
        "set_value makes the same edit in one checked call (here from the snapshot's NumPy "
        "copy) and writes the copy on every device through set_data.",
        "set_value 用一次带检查的调用完成同样的修改（这里从快照里的 NumPy 副本出发），"
        "并通过 set_data 写入每个设备上的副本。",
        "w = before['0.weight'] + 1   # the values before the edit, plus one\n"
        "w[0, 0] = 42\n"
        "set_value(net[0].weight, w)\n"
        "diff(before, net)",
    ),
    Step(
        "set-value-shape",
        "A value of the wrong shape is refused before anything is written, with the shapes "
        "the right way round (Gluon's set_data swaps 'expected' and 'given').",
        "形状不对的值会在写入之前就被拒绝，报错里两个形状的位置也是对的（Gluon 的 set_data 把"
        "“期望的”和“给定的”弄反了）。",
        "set_value(net[0].weight, nd.ones((20, 256)))",
        expect_error="ValueError",
    ),
    Step(
        "set-value-record",
        "Inside autograd.record() a write would become part of the recorded graph, so "
        "set_value refuses it and names the fix: autograd.pause() or outside the block.",
        "在 autograd.record() 里写参数会被记进计算图，所以 set_value 直接拒绝，"
        "并告诉你怎么改：用 autograd.pause()，或者移到 record 块外面。",
        "with autograd.record():\n"
        "    set_value(net[0].weight, 0)",
        expect_error="RuntimeError",
    ),
    Step(
        "tie-build",
        "To share parameters between layers, build the later layer with params=shared.params: "
        "layers 1 and 2 of this net hold one set of parameters.",
        "要让几个层共享参数，在构造后面的层时传入 params=shared.params：这个网络的第 1 层和第 2 层"
        "用的是同一组参数。",
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
        "The two layers have the same values, and after writing 100 into layer 1 they still "
        "do: they are one object, not two equal copies.",
        "两个层的值相同；往第 1 层写入 100 之后依然相同：它们是同一个对象，而不是两份相等的副本。",
        "print(net[1].weight.data()[0] == net[2].weight.data()[0])\n"
        "net[1].weight.data()[0, 0] = 100\n"
        "print(net[1].weight.data()[0] == net[2].weight.data()[0])",
    ),
    Step(
        "tie-is-tied",
        "is_tied asks the real question, whether two layers hold the same Parameter objects; "
        "equal values are not enough.",
        "is_tied 问的是真正的问题：两个层是否拿着同一批 Parameter 对象；值相等并不够。",
        "is_tied(net[1], net[2]), is_tied(net[0], net[1])",
    ),
    Step(
        "tie-groups",
        "tied_groups lists the places in the net (structural paths) that hold one parameter.",
        "tied_groups 列出网络中哪些位置（结构路径）拿着同一个参数。",
        "tied_groups(net)",
    ),
    Step(
        "tie-collect",
        "collect_params lists a shared parameter once: four layers, eight uses, six parameters.",
        "collect_params 只列出共享参数一次：四个层、八处使用，却只有六个参数。",
        "list(net.collect_params())",
    ),
    Step(
        "tie-grad",
        "In backpropagation the gradient of a shared parameter is the sum of the gradients "
        "of its uses. tied_gradients computes both and compares them.",
        "反向传播时，共享参数的梯度是它各处使用的梯度之和。tied_gradients 把两者都算出来做比较。",
        "tied_gradients(net, x)",
    ),
    Step(
        "tie-vs-copy",
        "Copying is not tying: copy_params copies the values into a separate layer, so a "
        "later edit of the shared weight reaches the tied layer but not the copy.",
        "复制不等于共享：copy_params 把数值复制到另一个独立的层里，之后修改共享权重，"
        "共享的层跟着变，复制出来的层不变。",
        "copied = nn.Dense(8, activation='relu', in_units=8)\n"
        "copied.initialize(init.Zero(), ctx=ctx)\n"
        "print(copy_params(net[1], copied))\n"
        "set_value(net[1].weight, lambda w: w * 2)   # edit the shared weight\n"
        "print('tied:  ', is_tied(net[1], net[2]),\n"
        "      (net[2].weight.data() == net[1].weight.data()).asnumpy().all())\n"
        "print('copied:', is_tied(net[1], copied),\n"
        "      (copied.weight.data() == net[1].weight.data()).asnumpy().all())",
    ),
    Step(
        "tie-shape",
        "A tied layer must fit the shared weight. Gluon stops a wrong size with a bare "
        "AssertionError; tied_dense names both layers and both shapes.",
        "共享参数的层必须和共享的权重形状一致。尺寸不对时 Gluon 只抛出一个含糊的 "
        "AssertionError；tied_dense 会指出两个层和两个形状。",
        "tied_dense(shared, 16, activation='relu')",
        expect_error="ValueError",
    ),
]
