"""Tour steps 1-10: the lecture's parameter access, then what l10_params adds to it."""
from .step import Step

STEPS = [
    Step(
        "build",
        "A two-layer MLP (Dense 256 with ReLU, then Dense 10) and a random batch of shape "
        "(2, 20). The input size is inferred at the first forward pass, so that pass also "
        "draws the weights.",
        "两层多层感知机（256 个单元的 Dense 加 ReLU，再接 10 个单元的 Dense）和一个形状为 "
        "(2, 20) 的随机小批量。输入维度要到第一次前向计算时才推断出来，权重也在那时才真正生成。",
        "net = nn.Sequential()\n"
        "net.add(nn.Dense(256, activation='relu'))\n"
        "net.add(nn.Dense(10))\n"
        "net.initialize(ctx=ctx)  # deferred: the input size is not known yet\n"
        "x = nd.random.uniform(shape=(2, 20))\n"
        "net(x)",
    ),
    Step(
        "layer-params",
        "Each layer keeps its own parameters: net[0].params is a dictionary from names to "
        "Parameter objects, a weight and a bias per Dense layer.",
        "每一层都保存着自己的参数：net[0].params 是一个从名字到 Parameter 对象的字典，"
        "每个 Dense 层有一个权重和一个偏差。",
        "print(net[0].params)\n"
        "net[1].params",
    ),
    Step(
        "by-name",
        "A parameter can be reached by its full name; .data() returns its values as an "
        "NDArray (printed in part).",
        "也可以用完整的名字取出参数；.data() 以 NDArray 的形式返回参数的值（只打印一部分）。",
        "print(net[0].params['dense0_weight'])\n"
        "net[0].params['dense0_weight'].data()",
    ),
    Step(
        "bias",
        "Every layer also exposes its parameters as attributes. A Dense bias starts at zero.",
        "每一层也可以直接用属性访问参数。Dense 层的偏差初始值为 0。",
        "print(net[1].bias)\n"
        "net[1].bias.data()",
    ),
    Step(
        "grad",
        "Each parameter also holds a gradient of the same shape. Before any backward pass "
        "it is all zeros.",
        "每个参数还带有一个形状相同的梯度。还没有做反向传播时，梯度全是 0。",
        "net[0].weight.grad()",
    ),
    Step(
        "collect",
        "net.collect_params() gathers the parameters of the whole network, of every layer "
        "and sub-block, into one dictionary.",
        "net.collect_params() 把整个网络（所有层和子块）的参数收集到一个字典里。",
        "net.collect_params()",
    ),
    Step(
        "lookup",
        "From that dictionary any parameter is reachable by name.",
        "在这个字典里，任何参数都可以按名字取出来。",
        "net.collect_params()['dense1_bias'].data()",
    ),
    Step(
        "regex",
        "collect_params also takes a regular expression and keeps the names that match it "
        "from their start (re.match): here every weight, then everything of dense0.",
        "collect_params 还可以接受一个正则表达式，只保留从名字开头就匹配的参数（re.match）："
        "先选出所有权重，再选出 dense0 的全部参数。",
        "print(net.collect_params('.*weight'))\n"
        "net.collect_params('dense0.*')",
    ),
    Step(
        "summary",
        "l10_params.summary shows the same parameters as one table: where each sits "
        "(structural path), its shape, size, state and context, and the total.",
        "l10_params.summary 用一张表展示同样的参数：每个参数在网络中的位置（结构路径）、"
        "形状、大小、状态和所在设备，以及参数总数。",
        "summary(net)",
    ),
    Step(
        "empty-selection",
        "Gluon returns an empty selection without a word when a pattern matches nothing, "
        "as 'weight' does (re.match is anchored at the start). select() refuses it and "
        "says the fix.",
        "当模式什么都匹配不到时（例如 'weight'，因为 re.match 从名字开头匹配），Gluon "
        "会一声不响地返回空字典。select() 会拒绝这种情况，并告诉你该怎么改。",
        "print('Gluon:', net.collect_params('weight'))\n"
        "select(net, 'weight')",
        expect_error="ValueError",
    ),
]
