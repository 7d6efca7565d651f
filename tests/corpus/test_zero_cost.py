"""Corpus: zero-cost proxies. ``score`` / ``score_details`` check their contract up front
(one forward on the batch) and say what they expected; ``compute`` and ``read_proxy_table``
name the argument, file and line."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasperf import DataIntegrityError
from nasperf import InvalidArchitectureError as IAE
from nasperf.registry import UnknownNameError
from nasperf.zero_cost import compute, read_proxy_table, score, score_details

from ._corpus import Case, check, ids

C = 10


class TinyNet(nn.Module):
    """A small classifier: conv, ReLU, pooling, linear."""

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(in_channels, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4, C)

    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).mean((2, 3)))


class Wrapped(nn.Module):
    """TinyNet with its output transformed by ``fn`` (wrong shapes, tuples, NaN...)."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.net = TinyNet()
        self.fn = fn

    def forward(self, x):
        return self.fn(self.net(x))


class NoParams(nn.Module):
    def forward(self, x):
        return x.mean((2, 3)).repeat(1, 4)[:, :C]


X = torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))
Y = torch.tensor([0, 1, 2, 3])
NET = TinyNet()


def nan_at(t: torch.Tensor, value: float) -> torch.Tensor:
    t = t.clone()
    t.view(-1)[5] = value
    return t


def s(id_, exc, match, net=NET, x=X, y=Y, proxies=("snip", "nwot"), **kw):
    return Case(f"score/{id_}", lambda tmp: score(net, x, y, list(proxies), **kw), exc, match)


SCORE = [
    s("network-str", TypeError, r"network must be a torch.nn.Module, got str", net="resnet"),
    s("network-class", TypeError, r"network must be a torch.nn.Module", net=TinyNet),
    s("no-parameters", ValueError, r"network \(NoParams\) has no parameters", net=NoParams()),
    s("inputs-list", TypeError, r"inputs as a sequence must hold tensors", x=X.tolist()),
    s("inputs-numpy", TypeError, r"inputs must be a tensor.*got ndarray", x=X.numpy()),
    s("inputs-1d", ValueError, r"inputs must be a tensor with a batch dim", x=X.reshape(-1)),
    s("inputs-uint8", TypeError, r"inputs must be a floating tensor.*uint8", x=X.to(torch.uint8)),
    s("inputs-int64", TypeError, r"inputs must be a floating tensor.*int64", x=X.long()),
    s("batch-1", ValueError, r"batch of 1.*need at least 2", x=X[:1], y=Y[:1]),
    s("batch-0", ValueError, r"batch of 0", x=X[:0], y=Y[:0]),
    s("batch-0-data-free", ValueError, r"empty batch", x=X[:0], y=None, proxies=["synflow"]),
    s("inputs-nan", ValueError, r"inputs hold 1 NaN / inf", x=nan_at(X, float("nan"))),
    s("inputs-inf", ValueError, r"inputs hold 1 NaN / inf", x=nan_at(X, float("inf"))),
    s(
        "inputs-channels",
        ValueError,
        r"network\(inputs\) failed on inputs .*\(2, 1, 8, 8\).*channels",
        x=X[:, :1],
    ),
    s(
        "inputs-channels-data-free",
        ValueError,
        r"network\(inputs\) failed",
        x=X[:, :2],
        y=None,
        proxies=["synflow", "params"],
    ),
    # an (N,) output is a one-output regression (546dba9): class labels are refused there
    s(
        "logits-1d",
        ValueError,
        r"returns one output per input: the default loss, cross-entropy over one class, is 0"
        r".*real targets \(float\) of shape \(4,\) or \(4, 1\).*got torch.int64",
        net=Wrapped(lambda z: z[:, 0]),
    ),
    # data-free proxies only: the probe is one sample, in eval mode; an output summed over
    # the batch keeps no row per input
    s(
        "logits-summed-data-free",
        ValueError,
        r"logits \(N, num_classes\).*for 1 inputs it returned .*shape \(\) \(the output "
        r"must keep one row per input",
        net=Wrapped(lambda z: z.sum()),
        y=None,
        proxies=["synflow", "params"],
    ),
    s(
        "logits-3d",
        ValueError,
        r"logits .*shape \(2, 10, 2\)",
        net=Wrapped(lambda z: torch.stack([z, z], -1)),
    ),
    s("logits-one-row", ValueError, r"shape \(1, 10\)", net=Wrapped(lambda z: z[:1])),
    s("logits-tuple", ValueError, r"returned a tuple of 2", net=Wrapped(lambda z: (z, z))),
    s("logits-list", ValueError, r"returned a list of 1", net=Wrapped(lambda z: [z])),
    s("logits-dict", ValueError, r"returned a dict", net=Wrapped(lambda z: {"logits": z})),
    s("logits-int", ValueError, r"torch.int64 tensor", net=Wrapped(lambda z: z.long())),
    s("logits-nan", ValueError, r"non-finite logits", net=Wrapped(lambda z: z * float("nan"))),
    s("logits-inf", ValueError, r"non-finite logits", net=Wrapped(lambda z: z / 0.0)),
    s("targets-float", TypeError, r"targets must be integer class labels.*float32", y=Y.float()),
    s("targets-bool", TypeError, r"targets must be integer.*bool", y=Y > 1),
    s("targets-list", TypeError, r"targets must be a torch.Tensor", y=[0, 1, 2, 3]),
    s(
        "targets-500",
        ValueError,
        r"targets must be class labels in \[0, 10\).*\[0, 500\]",
        y=torch.tensor([0, 1, 2, 500]),
    ),
    s(
        "targets-negative",
        ValueError,
        r"targets must be class labels.*\[-1, 2\]",
        y=torch.tensor([0, 1, 2, -1]),
    ),
    s("targets-2d", ValueError, r"targets must have shape \(4,\)", y=Y[:, None]),
    s("targets-short", ValueError, r"targets must have shape \(4,\).*\(3,\)", y=Y[:3]),
    s("targets-missing", ValueError, r"need targets", y=None, proxies=["snip"]),
    s(
        "loss-vector",
        ValueError,
        r"loss_fn\(logits, targets\) must return a scalar.*\(2,\)",
        loss_fn=lambda z, t: nn.functional.cross_entropy(z, t, reduction="none"),
    ),
    s(
        "loss-float",
        ValueError,
        r"loss_fn.*scalar tensor.*float",
        loss_fn=lambda z, t: 1.0,
    ),
    s("loss-raises", ValueError, r"loss_fn\(logits, targets\) failed", loss_fn=lambda z, t: z @ t),
    s("loss-not-callable", TypeError, r"loss_fn must be callable", loss_fn="mse"),
    Case(
        "score/proxies-int", lambda tmp: score(NET, X, Y, 123), TypeError, r"proxies must be.*123"
    ),
    Case(
        "score/proxies-int-list",
        lambda tmp: score(NET, X, Y, [1, 2]),
        TypeError,
        r"proxies must be a proxy name or a list of names, got \[1, 2\]",
    ),
    Case("score/proxies-empty", lambda tmp: score(NET, X, Y, []), ValueError, r"proxies is empty"),
    Case(
        "score/proxies-unknown",
        lambda tmp: score(NET, X, Y, "snipp"),
        UnknownNameError,
        r"unknown zero-cost proxy 'snipp'; did you mean 'snip'",
    ),
    Case(
        "score/proxies-dict",
        lambda tmp: score(NET, X, Y, {"snip": 1}),
        TypeError,
        r"proxies must be",
    ),
    s("seed-str", TypeError, r"seed must be an int, got str 'x'", seed="x"),
    s("seed-float", TypeError, r"seed must be an int, got float", seed=1.5),
    s("seed-bool", TypeError, r"seed must be an int, got bool", seed=True),
    Case(
        "score_details/uint8",
        lambda tmp: score_details(NET, X.to(torch.uint8), Y, ["nwot"]),
        TypeError,
        r"inputs must be a floating tensor",
    ),
    Case(
        "score_details/vote-batch-1",
        lambda tmp: score_details(NET, X[:1], Y[:1], ["vote"]),
        ValueError,
        r"batch of 1",
    ),
]

SMALL = {"channels": 4, "cells_per_stage": 1}
ARCH = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
IMAGES = torch.zeros(2, 3, 32, 32)


def cp(id_, exc, match, **kw):
    args = {
        "space": "nb201",
        "archs": [ARCH],
        "proxies": "params",
        "cache": None,
        "network_kwargs": SMALL,
        "inputs": (IMAGES, torch.tensor([0, 1])),
        **kw,
    }
    return Case(f"compute/{id_}", lambda tmp: compute(**args), exc, match)


def garbage(tmp):
    path = tmp / "cache.sqlite"
    path.write_bytes(b"this is not an sqlite database, only text" * 10)
    return path


COMPUTE = [
    cp("space-unknown", UnknownNameError, r"unknown search space 'nb999'", space="nb999"),
    cp("space-int", ValueError, r"space must be a registered name or a SearchSpace", space=3),
    cp("proxies-unknown", UnknownNameError, r"'snipp'", proxies="snipp"),
    cp("proxies-empty", ValueError, r"no proxies given", proxies=""),
    cp("dataset-unknown", ValueError, r"unknown dataset 'mnist'", dataset="mnist"),
    cp("batch-size-0", ValueError, r"batch_size must be a positive int, got 0", batch_size=0),
    cp("seed-negative", ValueError, r"seed must be a non-negative int, got -1", seed=-1),
    cp("workers-0", ValueError, r"workers must be a positive int, got 0", workers=0),
    cp("device-tpu", ValueError, r"invalid device 'tpu'", device="tpu"),
    cp(
        "network-kwargs-negative",
        ValueError,
        r"network_kwargs \{'channels': -4\} do not build a nb201 network: channels must",
        network_kwargs={"channels": -4},
    ),
    cp(
        "network-kwargs-unknown",
        ValueError,
        r"network_kwargs .*unexpected keyword argument 'chanels'",
        network_kwargs={"chanels": 4},
    ),
    cp("network-kwargs-list", TypeError, r"network_kwargs must be a dict", network_kwargs=[4]),
    cp(
        "inputs-uint8",
        ValueError,
        r"inputs: images must be a float tensor",
        inputs=(IMAGES.to(torch.uint8), torch.tensor([0, 1])),
    ),
    cp(
        "inputs-label-float",
        ValueError,
        r"inputs: labels must be integer classes",
        inputs=(IMAGES, torch.tensor([0.0, 1.0])),
    ),
    cp(
        "inputs-label-range",
        ValueError,
        r"inputs: labels must be classes 0..9 of cifar10",
        inputs=(IMAGES, torch.tensor([0, 10])),
    ),
    cp(
        "inputs-label-count",
        ValueError,
        r"inputs: labels must have shape \(2,\)",
        inputs=(IMAGES, torch.tensor([0, 1, 2])),
    ),
    cp(
        "inputs-channels",
        ValueError,
        r"inputs: cifar10 networks take 3 channels, got 1",
        inputs=(IMAGES[:, :1], torch.tensor([0, 1])),
    ),
    cp(
        "inputs-nan",
        ValueError,
        r"inputs: images hold NaN",
        inputs=(IMAGES * float("nan"), torch.tensor([0, 1])),
    ),
    cp("inputs-triple", ValueError, r"inputs must be None.*or a pair", inputs=(1, 2, 3)),
    cp(
        "inputs-missing-file", FileNotFoundError, r"nowhere\.npz", inputs="/nonexistent/nowhere.npz"
    ),
    cp("archs-bad", IAE, r"invalid text = 'x'", archs=["x"]),
    cp("archs-hostile", IAE, r"100,001 characters", archs=["-" * 100_000 + "1"]),
    Case(
        "compute/cache-garbage",
        lambda tmp: compute(
            "nb201",
            [ARCH],
            "params",
            cache=garbage(tmp),
            network_kwargs=SMALL,
            inputs=(IMAGES, torch.tensor([0, 1])),
        ),
        DataIntegrityError,
        r"cache\.sqlite as a proxy cache",
    ),
]


def table(tmp, text: str | bytes, name: str = "p.csv"):
    path = tmp / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read_proxy_table(path)


HEAD = "arch,synflow,nan_reasons\n"
TABLE = [
    Case(
        "read_proxy_table/missing",
        lambda tmp: read_proxy_table(tmp / "none.csv"),
        FileNotFoundError,
        r"none\.csv",
    ),
    Case(
        "read_proxy_table/missing-parquet",
        lambda tmp: read_proxy_table(tmp / "none.parquet"),
        FileNotFoundError,
        r"none\.parquet",
    ),
    Case(
        "read_proxy_table/suffix",
        lambda tmp: table(tmp, HEAD, "p.txt"),
        ValueError,
        r"p\.txt must end in \.csv or \.parquet",
    ),
    Case("read_proxy_table/empty", lambda tmp: table(tmp, ""), ValueError, r"p\.csv is empty"),
    Case(
        "read_proxy_table/not-utf8",
        lambda tmp: table(tmp, HEAD.encode() + b"a\xff,1.0,\n"),
        ValueError,
        r"p\.csv: line 2: not UTF-8",
    ),
    Case(
        "read_proxy_table/no-arch",
        lambda tmp: table(tmp, "x,synflow\na,1\n"),
        ValueError,
        r"p\.csv: not a nasperf proxies table",
    ),
    Case(
        "read_proxy_table/score-text",
        lambda tmp: table(tmp, HEAD + "a,high,\n"),
        ValueError,
        r"p\.csv line 2, column 'synflow': 'high' is not a score",
    ),
    Case(
        "read_proxy_table/score-inf",
        lambda tmp: table(tmp, HEAD + "a,inf,\n"),
        ValueError,
        r"p\.csv line 2, column 'synflow': 'inf'",
    ),
    Case(
        "read_proxy_table/score-unicode",
        lambda tmp: table(tmp, HEAD + "a,\uff11,\n"),
        ValueError,
        r"line 2, column 'synflow'",
    ),
    Case(
        "read_proxy_table/short-row",
        lambda tmp: table(tmp, HEAD + "a,1.0\n"),
        ValueError,
        r"p\.csv line 2: malformed row with 2 fields, expected 3",
    ),
    Case(
        "read_proxy_table/conflict",
        lambda tmp: table(tmp, HEAD + "a,1.0,\nb,2.0,\na,3.0,\n"),
        ValueError,
        r"p\.csv: architecture 'a' has two different rows \(lines 2 and 4\)",
    ),
    Case(
        "read_proxy_table/reasons-junk",
        lambda tmp: table(tmp, HEAD + 'a,nan,"{""synflow"": [1]}"\n'),
        ValueError,
        r"line 2, column 'nan_reasons'",
    ),
    Case(
        "read_proxy_table/reasons-not-json",
        lambda tmp: table(tmp, HEAD + "a,nan,why\n"),
        ValueError,
        r"line 2, column 'nan_reasons'.*'why'",
    ),
    Case(
        "read_proxy_table/parquet-garbage",
        lambda tmp: table(tmp, b"PAR1 garbage garbage", "p.parquet"),
        ValueError,
        r"p\.parquet: not a readable parquet file",
    ),
    Case(
        "read_proxy_table/duplicate-column",
        lambda tmp: table(tmp, "arch,synflow,synflow\na,1,1\n"),
        ValueError,
        r"line 1: a column name appears twice",
    ),
]

CASES = SCORE + COMPUTE + TABLE


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_zero_cost_input(case: Case, tmp_path) -> None:
    check(case, tmp_path)


def test_nan_inputs_are_an_error_not_a_nan_score() -> None:
    with pytest.raises(ValueError, match="NaN"):
        score_details(NET, nan_at(X, float("nan")), Y, ["synflow"])
    # and the good batch scores finite values (the contract check does not change results)
    before = {k: v.clone() for k, v in NET.state_dict().items()}
    got = score(NET, X, Y, ["snip", "nwot", "synflow"])
    assert all(torch.isfinite(torch.tensor(v)) for v in got.values())
    assert all(torch.equal(before[k], v) for k, v in NET.state_dict().items())
