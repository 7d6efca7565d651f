"""The function-call tap (``engine.function_calls``: functional ReLUs for nwot / swap,
functional pools for zen) and the torch layers it does not watch (``closed_modules``)."""

from __future__ import annotations

import inspect
import re

import torch
import torch.nn.functional as F
from torch import nn

import nasperf.zero_cost as zc
from nasperf.zero_cost import zen
from nasperf.zero_cost.engine import FUNCTIONAL_RELUS, closed_modules, function_calls

#: torch layers whose own forward calls a function the tap reads: only the module forms
#: the tap is given (nn.ReLU for the ReLUs, the adaptive pools for zen), and transformer
#: layers (not leaves: never closed)
_CALLERS = {
    "ReLU",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
}


def _torch_layer_classes() -> list[type]:
    return [
        c
        for c in vars(nn).values()
        if isinstance(c, type)
        and issubclass(c, nn.Module)
        and c.__module__.startswith("torch.nn.modules.")
        and c is not nn.Module  # no forward of its own (its docstring shows F.relu calls)
    ]


def test_torch_layers_call_no_tapped_function_but_in_their_module_forms():
    # closed_modules turns the tap off inside torch's leaf layers: it may only because none
    # calls a tapped function (F.relu, torch.relu, x.relu(), F.relu6, the adaptive pools)
    # except the module forms the tap is given; read torch's own sources for it, so a torch
    # that adds such a call fails here rather than scoring without it
    names = {f.__name__ for f in (*FUNCTIONAL_RELUS, *zen._POOL_FUNCTIONS)}
    assert names == {"relu", "relu_", "relu6", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
                     "adaptive_avg_pool3d"}  # fmt: skip
    called = re.compile(r"(?<![\w])(?:relu_?|relu6|adaptive_avg_pool[123]d)\s*\(")
    found = set()
    for cls in _torch_layer_classes():
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        if called.search(source):
            found.add(cls.__name__)
    assert found <= _CALLERS, found - _CALLERS
    assert "ReLU" in found  # the pattern finds F.relu(


class _Mixed(nn.Module):
    """A user's module around torch layers, calling F.relu itself: on the output of a torch
    Sequential (an activation) and on its own parameter (not one)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.w = nn.Parameter(torch.randn(5, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.body(x)).mean((2, 3))
        return F.linear(h, F.relu(self.w))


def test_closed_modules_are_torch_layers_and_their_sequentials_outermost_first():
    net = _Mixed()
    assert closed_modules(net.modules()) == [net.body]  # not its children, not the net
    inner = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sequential(nn.ReLU(), nn.Identity()))
    outer = nn.Sequential(inner, net)  # a user's module inside: not closed
    assert closed_modules(outer.modules()) == [inner, net.body]
    # a forward of its own on the instance, or a hook of the caller's: watched
    inner[0].forward = lambda x: x
    assert closed_modules(outer.modules()) == [inner[1], net.body]
    handle = inner[1][1].register_forward_hook(lambda m, a, o: None)
    assert closed_modules(outer.modules()) == [inner[1][0], net.body]
    handle.remove()
    # a global module hook runs inside every call: nothing is closed
    handle = nn.modules.module.register_module_forward_hook(lambda m, a, o: None)
    try:
        assert closed_modules(outer.modules()) == []
    finally:
        handle.remove()


def test_the_tap_sees_the_same_calls_with_the_torch_layers_closed():
    # the calls outside the closed layers, each with whether its operand is computed from
    # the input: the Sequential's output marked as the mode had marked it op by op
    torch.manual_seed(0)
    net = _Mixed()
    x = torch.randn(2, 3, 6, 6)
    seen: dict[bool, list] = {}
    for close in (False, True):
        calls: list = []

        def record(func, args, kwargs, out, derived, calls=calls):
            calls.append((func, tuple(args[0].shape), derived))

        closed = closed_modules(net.modules()) if close else []
        with function_calls(FUNCTIONAL_RELUS, [net.body[2]], record, sources=[x], closed=closed):
            net(x)
        seen[close] = calls
    assert seen[True] == seen[False] == [(F.relu, (2, 4, 4, 4), True), (F.relu, (5, 4), False)]


class _HookedReLU(nn.Module):
    """conv, BN, conv, pool, linear: a ReLU applied by the caller's forward hook on the
    BatchNorm, and one inside a user's Conv2d subclass."""

    class ReluConv(nn.Conv2d):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.relu(super().forward(x))

    def __init__(self) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.head = self.ReluConv(8, 8, 3, padding=1), nn.Linear(8, 10)
        self.b1.register_forward_hook(lambda m, a, out: F.relu(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.c2(self.b1(self.c1(x))).mean((2, 3)))


def test_relus_in_a_callers_hook_and_a_layer_subclass_are_read():
    # neither module is closed (a hook of the caller's; a user's subclass): their F.relu
    # calls are read, the same codes as the network written with nn.ReLU modules
    torch.manual_seed(0)
    net = _HookedReLU()
    ref = nn.Sequential(
        net.c1, nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), net.head,
    )  # fmt: skip
    ref[3].load_state_dict(net.c2.state_dict())
    x = torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    got = zc.score_details(net, x, proxies=["nwot", "swap"])
    want = zc.score_details(ref, x, proxies=["nwot", "swap"])
    for name in ("nwot", "swap"):
        assert got[name].reason is None, got[name]
        # the same kernels appended in the same order, in one process: equal
        assert got[name].value == want[name].value, (name, got[name], want[name])
