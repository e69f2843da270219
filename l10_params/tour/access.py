"""Tour steps 1-10: the lecture's parameter access, then what l10_params adds to it."""
from .step import Step

STEPS = [
    Step(
        "build",
        ("the lecture's MLP and its first forward pass", "课上的多层感知机和第一次前向传播"),
        "The lecture's MLP: a Dense layer of 256 units with ReLU, then a Dense layer of 10, "
        "and a random batch x of shape (2, 20). The input size is unknown until the first "
        "forward pass, so initialization waits for it (deferred initialization): net(x) "
        "draws the weights.",
        "课上的多层感知机：一个 256 个单元、带 ReLU 的 Dense 层，再接一个 10 个单元的 Dense 层；"
        "x 是形状为 (2, 20) 的随机小批量。输入的维度要到第一次前向传播时才知道，所以初始化会等到"
        "那时（延后初始化）：net(x) 才真正生成权重。",
        "net = nn.Sequential()\n"
        "net.add(nn.Dense(256, activation='relu'))\n"
        "net.add(nn.Dense(10))\n"
        "net.initialize(ctx=ctx)  # deferred: the input size is not known yet\n"
        "x = nd.random.uniform(shape=(2, 20))\n"
        "net(x)",
    ),
    Step(
        "layer-params",
        ("each layer's own parameters", "每一层自己的参数"),
        "Each layer keeps its own parameters: net[0].params is a dictionary from names to "
        "Parameter objects, a weight and a bias per Dense layer.",
        "每一层都保存着自己的参数：net[0].params 是一个从名称到 Parameter 对象的字典，"
        "每个 Dense 层有一个权重和一个偏置。",
        "print(net[0].params)\n"
        "net[1].params",
    ),
    Step(
        "by-name",
        ("a parameter by its full name, and its data()", "按完整的名称取参数和它的 data()"),
        "A parameter can be reached by its full name; .data() returns its values as an "
        "NDArray (of a large array, MXNet prints only the first and last rows and columns).",
        "也可以用完整的名称取出参数；.data() 以 NDArray 的形式返回参数的值"
        "（数组较大时，MXNet 只打印开头和结尾的几行几列）。",
        "print(net[0].params['dense0_weight'])\n"
        "net[0].params['dense0_weight'].data()",
    ),
    Step(
        "bias",
        ("parameters as attributes: the bias", "用属性访问参数：偏置"),
        "Every layer also exposes its parameters as attributes, net[1].bias here. A Dense "
        "bias starts at zero.",
        "每一层也可以直接用属性访问参数，这里是 net[1].bias。Dense 层的偏置初始值为 0。",
        "print(net[1].bias)\n"
        "net[1].bias.data()",
    ),
    Step(
        "grad",
        ("the gradient before any backward pass", "反向传播之前的梯度"),
        "Each parameter also holds a gradient of the same shape. Before any backward pass "
        "it is all zeros.",
        "每个参数还带有一个形状相同的梯度。还没有做反向传播时，梯度全是 0。",
        "net[0].weight.grad()",
    ),
    Step(
        "collect",
        ("every parameter of the net: collect_params()", "collect_params() 收集全部参数"),
        "net.collect_params() gathers the parameters of the whole network, of every layer "
        "and sub-block, into one dictionary.",
        "net.collect_params() 把整个网络（所有层和子块）的参数收集到一个字典里。",
        "net.collect_params()",
    ),
    Step(
        "lookup",
        ("one parameter out of collect_params()", "从 collect_params() 中按名称取参数"),
        "From that dictionary any parameter is reachable by name.",
        "在这个字典里，任何参数都可以按名称取出来。",
        "net.collect_params()['dense1_bias'].data()",
    ),
    Step(
        "regex",
        ("selecting parameters with a regular expression", "用正则表达式选择参数"),
        "collect_params also takes a regular expression and keeps the names that match it "
        "from their start (re.match): here every weight, then everything of dense0.",
        "collect_params 还可以接受一个正则表达式，只保留从名称开头就匹配的参数（re.match）："
        "先选出所有权重，再选出 dense0 的全部参数。",
        "print(net.collect_params('.*weight'))\n"
        "net.collect_params('dense0.*')",
    ),
    Step(
        "summary",
        ("summary(): every parameter in one table", "summary()：一张表列出所有参数"),
        "l10_params.summary shows the same parameters as one table: where each sits "
        "(structural path), its shape, size, state and context, and the total.",
        "l10_params.summary 用一张表展示同样的参数：每个参数在网络中的位置（结构路径）、"
        "形状、大小、状态和所在设备，以及参数总数。",
        "summary(net)",
    ),
    Step(
        "empty-selection",
        ("a pattern that matches nothing", "什么都匹配不到的模式"),
        "Gluon returns an empty selection without a word when a pattern matches nothing, "
        "as 'weight' does (re.match is anchored at the start of the name). select() refuses "
        "it and says the fix.",
        "当模式什么都匹配不到时（例如 'weight'：re.match 从名称的开头匹配），Gluon "
        "会一声不响地返回一个空字典。select() 则会报错，并告诉你该怎么改。",
        "print('Gluon:', net.collect_params('weight'))\n"
        "select(net, 'weight')",
        expect_error="ValueError",
    ),
]
