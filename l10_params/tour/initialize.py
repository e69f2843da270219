"""Tour steps after the access steps: the lecture's initialization, in its order of draws.

The steps continue the namespace of the access steps (``net``, ``x``). Every random draw
happens where the lecture draws, so the Xavier and MyInit rows equal the 2019 lecture's; the
other nets built here take constants only. ``ctx=ctx`` keeps every chosen device: without it
``force_reinit`` would move the parameters to the current context alone.
"""
from .step import Step

STEPS = [
    Step(
        "init-no-force",
        ("initialize again, without force_reinit", "不加 force_reinit 再次初始化"),
        "Calling initialize again on an initialized net does nothing: Gluon warns once per "
        "parameter and keeps the values. explain_init says beforehand what the call would skip.",
        "对已经初始化的网络再次调用 initialize 什么也不会做："
        "Gluon 对每个参数警告一次，参数值保持不变。"
        "explain_init 可以事先说明这次调用会跳过哪些参数。",
        "import warnings\n"
        "before = net[0].weight.data().copy()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    net.initialize(init=init.Normal(sigma=0.01))  # no force_reinit\n"
        "print(len(caught), 'warnings, the first:', caught[0].message)\n"
        "print('values unchanged:', bool((net[0].weight.data() == before).min()))\n"
        "explain_init(net, init.Normal(sigma=0.01))",
    ),
    Step(
        "normal",
        ("weights drawn again from Normal(0.01)", "权重从 Normal(0.01) 重新采样"),
        "With force_reinit=True the weights are drawn again from N(0, 0.01²); the biases keep "
        "their own initializer, zeros. This row differs from the 2019 lecture's: MXNet's normal "
        "sampler has changed since; only the distribution is the same, and check_init tests it.",
        "加上 force_reinit=True 后，权重重新从 N(0, 0.01²) 中采样；偏置仍用自己的初始化器，即 0。"
        "这一行和 2019 年课上的输出不同：MXNet 的正态分布采样器后来改了，只有分布相同，"
        "check_init 会检验这一点。",
        "net.initialize(init=init.Normal(sigma=0.01), ctx=ctx, force_reinit=True)\n"
        "print(check_init(net[0].weight, init.Normal(sigma=0.01)))\n"
        "net[0].weight.data()[0]",
    ),
    Step(
        "constant",
        ("Constant(1), and why the biases stay 0", "Constant(1)，以及偏置为什么仍是 0"),
        "init.Constant(1) sets every weight to 1, but the biases stay 0: a Dense bias carries "
        "its own initializer 'zeros', which wins over the one given to net.initialize. "
        "explain_init says so before the call; the first row is then all ones.",
        "init.Constant(1) 把所有权重都设为 1，但偏置仍然是 0：Dense 层的偏置自带初始化器 'zeros'，"
        "它优先于传给 net.initialize 的初始化器。"
        "explain_init 在调用之前就说明了这一点；调用之后，第一行全是 1。",
        "print(explain_init(net, init.Constant(1)))  # what the call below will do\n"
        "net.initialize(init=init.Constant(1), ctx=ctx, force_reinit=True)\n"
        "print(net[0].bias.data()[:5])\n"
        "net[0].weight.data()[0]",
    ),
    Step(
        "per-layer",
        ("one layer, one parameter: Constant(42), Xavier", "只初始化一层或一个参数"),
        "A single layer or a single parameter can be initialized on its own: Constant(42) for "
        "the whole second layer, Xavier for the first layer's weight only.",
        "也可以只初始化某一层或某一个参数：第二层整层用 Constant(42)，第一层只有权重用 Xavier。",
        "net[1].initialize(init=init.Constant(42), ctx=ctx, force_reinit=True)\n"
        "net[0].weight.initialize(init=init.Xavier(), ctx=ctx, force_reinit=True)\n"
        "print(net[1].weight.data()[0, 0])\n"
        "print(check_init(net[0].weight, init.Xavier()))\n"
        "net[0].weight.data()[0]",
    ),
    Step(
        "from-other-net",
        ("starting from another net's weights", "从另一个网络的权重开始"),
        "To start a layer from another network's weights, copy the values with "
        "init.Constant(array): later changes to the donor do not reach the copy. Building a "
        "layer with params= ties it instead: both layers hold the very same Parameter.",
        "想让某一层从另一个网络的权重开始，可以用 init.Constant(array) 复制数值："
        "之后修改原网络不会影响副本。"
        "用 params= 构造层则是参数绑定：两个层拿着同一个 Parameter 对象。",
        "donor = nn.Dense(256, in_units=20)\n"
        "donor.initialize(init.Constant(0.5), ctx=ctx)  # constants: no random draw\n"
        "net[0].weight.initialize(init=init.Constant(donor.weight.data()), ctx=ctx,\n"
        "                         force_reinit=True)      # copy the values\n"
        "twin = nn.Dense(256, in_units=20, params=donor.params)  # tie the parameters\n"
        "donor.weight.set_data(donor.weight.data() * 2)  # change the donor later\n"
        "print('copied:', net[0].weight.data()[0, :3].asnumpy())\n"
        "print('tied:  ', twin.weight.data()[0, :3].asnumpy())\n"
        "twin.weight is donor.weight, net[0].weight is donor.weight",
    ),
    Step(
        "myinit",
        ("the lecture's own initializer, MyInit", "课上的自定义初始化器 MyInit"),
        "A custom initializer subclasses init.Initializer and overrides _init_weight: the "
        "lecture's MyInit draws U(-10, 10) and zeroes every entry with |w| < 5. It prints each "
        "weight it initializes; the biases keep their 'zeros'. check_init judges the values "
        "with the library's copy of the same rule.",
        "自定义初始化器继承 init.Initializer 并重写 _init_weight："
        "课上的 MyInit 从 U(-10, 10) 采样，"
        "再把 |w| < 5 的元素置 0。它会打印每个被初始化的权重；偏置仍然用自己的 'zeros'。"
        "check_init 用库里规则相同的 MyInit 检验这些数值。",
        "class MyInit(init.Initializer):\n"
        "    def _init_weight(self, name, data):\n"
        "        print('Init', name, data.shape)\n"
        "        data[:] = nd.random.uniform(low=-10, high=10, shape=data.shape)\n"
        "        data *= data.abs() >= 5\n"
        "\n"
        "net.initialize(MyInit(), ctx=ctx, force_reinit=True)\n"
        "print(check_init(net[0].weight, l10_params.MyInit(verbose=False)))\n"
        "net[0].weight.data()[0]",
    ),
]
