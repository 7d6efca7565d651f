"""DARTS / NAS-Bench-301 weight-sharing supernet: decisions, single path, relaxation, extract."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nasperf
from nasperf.spaces.darts_network import DARTS_OPS
from nasperf.spaces.darts_supernet import DartsSupernet
from nasperf.spaces.nb301 import NB301Arch
from nasperf.spaces.supernet import batch_statistics

SPACE = nasperf.get_space("nb301")
CARDINALITIES = (2, 7, 7, 6, 7, 7, 12, 7, 7, 20, 7, 7) * 2


def _images(n: int = 3, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def _warm_up(net: DartsSupernet, seed: int) -> None:
    """Make running statistics and affine BatchNorm parameters non-trivial."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d) and m.affine:
                m.weight.normal_(1.0, 0.3)
                m.bias.normal_(0.0, 0.3)
    net.train()
    with torch.no_grad():
        for arch in SPACE.sample(3, seed=seed):
            net(_images(4, seed), arch)
        net(_images(4, seed + 1), alphas=net.init_alphas(torch.Generator().manual_seed(seed)))


@pytest.fixture(scope="module")
def small_net() -> DartsSupernet:
    torch.manual_seed(0)
    return SPACE.build_supernet("cifar10", channels=4, layers=3)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channels": 4, "layers": 5},  # N R N R N
        {"channels": 6, "layers": 3},  # N R R: a reduction right after a reduction
        {"channels": 4, "layers": 4, "affine": True, "stem_multiplier": 2},  # N R R N
    ],
)
def test_extract_matches_single_path(kwargs):
    torch.manual_seed(1)
    net = SPACE.build_supernet("cifar10", **kwargs)
    assert net.network_kwargs == {"stem_multiplier": 3, "affine": False, **kwargs}
    _warm_up(net, seed=2)
    x = _images()
    for arch in SPACE.sample(5, seed=3):
        standalone = net.extract(arch)
        assert type(standalone).__name__ == "DartsNetwork"
        assert len(standalone.state_dict()) > 0
        with batch_statistics(net), batch_statistics(standalone):
            with torch.no_grad():
                y_super = net(x, arch)
                y_alone = standalone(x)
        assert y_super.shape == (3, 10)
        assert torch.allclose(y_super, y_alone, rtol=0, atol=1e-6)
        net.eval()
        standalone.eval()
        with torch.no_grad():
            y_super = net(x, arch)
            y_alone = standalone(x)
        assert torch.allclose(y_super, y_alone, rtol=0, atol=1e-6)
        # Eval mode really uses the (warmed-up) running statistics.
        with batch_statistics(net), torch.no_grad():
            assert not torch.allclose(net(x, arch), y_super, atol=1e-4)


def test_standalone_keys_map_to_the_chosen_edges(small_net):
    arch = NB301Arch(
        normal=(
            ("sep_conv_3x3", 1),
            ("max_pool_3x3", 0),
            ("dil_conv_5x5", 2),
            ("skip_connect", 0),
            ("sep_conv_5x5", 3),
            ("avg_pool_3x3", 1),
            ("dil_conv_3x3", 4),
            ("sep_conv_3x3", 2),
        ),
        reduce=(
            ("skip_connect", 0),
            ("sep_conv_3x3", 1),
            ("max_pool_3x3", 1),
            ("dil_conv_3x3", 2),
            ("sep_conv_5x5", 0),
            ("avg_pool_3x3", 3),
            ("sep_conv_3x3", 4),
            ("dil_conv_5x5", 0),
        ),
    )
    choice = small_net.encode(arch)
    key = small_net._standalone_key
    # cell 0 is normal: pair 0 = (sep_conv_3x3, 1) -> edge 0 + 1, op 3
    assert key("cells.0.ops.0.op.1.weight", choice) == "cells.0.edges.1.3.op.1.weight"
    # pair 7 = (sep_conv_3x3, 2) of node 5 -> edge 9 + 2, op 3
    assert key("cells.0.ops.7.op.3.running_var", choice) == "cells.0.edges.11.3.op.3.running_var"
    # cell 1 is a reduction: pair 0 = (skip_connect, 0) -> edge 0, op 2 (FactorizedReduce)
    assert key("cells.1.ops.0.conv_1.weight", choice) == "cells.1.edges.0.2.conv_1.weight"
    # pair 6 = (sep_conv_3x3, 4) of node 5 -> edge 13, op 3
    assert key("cells.2.ops.6.op.1.weight", choice) == "cells.2.edges.13.3.op.1.weight"
    for same in ("stem.0.weight", "cells.1.preprocess0.op.1.weight", "classifier.bias"):
        assert key(same, choice) == same
    # A stride-2 skip on a reduction cell input is a FactorizedReduce, stride 1 an Identity.
    assert type(small_net.cells[1].edges[0][2]).__name__ == "FactorizedReduce"
    assert type(small_net.cells[1].edges[4][2]).__name__ == "Identity"  # node 3 <- node 2
    assert type(small_net.cells[0].edges[0][2]).__name__ == "Identity"


def test_decisions_and_round_trip(small_net):
    assert small_net.decisions == CARDINALITIES
    assert len(small_net.decision_names) == 24
    assert small_net.decision_names[:3] == (
        "normal node 2 inputs",
        "normal node 2 op a",
        "normal node 2 op b",
    )
    assert small_net.decision_names[3] == "normal node 3 inputs"
    assert small_net.decision_names[-3:] == (
        "reduce node 5 inputs",
        "reduce node 5 op a",
        "reduce node 5 op b",
    )
    archs = SPACE.sample(200, seed=7)
    for arch in archs:
        choice = small_net.encode(arch)
        assert small_net.decode(choice) == arch
        assert small_net.encode(small_net.decode(choice)) == choice
        assert all(0 <= c < n for c, n in zip(choice, CARDINALITIES, strict=True))
    # Distinct genotypes (in written form) get distinct choices.
    assert len({small_net.encode(a) for a in archs}) == len(set(archs))
    # Text forms are accepted (anything space.coerce takes).
    arch = archs[0]
    assert small_net.encode(str(arch)) == small_net.encode(arch)
    assert small_net.encode(str(SPACE.to_naslib(arch))) == small_net.encode(arch)
    # Pair order inside a node is part of the written form: swapped pairs, other choice.
    swapped = NB301Arch((arch.normal[1], arch.normal[0], *arch.normal[2:]), arch.reduce)
    assert small_net.encode(swapped) != small_net.encode(arch)
    assert small_net.decode(small_net.encode(swapped)) == swapped
    # Input pairs are listed lexicographically: node 2 reads (0, 1) or (1, 0).
    zero = small_net.decode((0,) * 24)
    assert zero.normal[:2] == ((DARTS_OPS[0], 0), (DARTS_OPS[0], 1))
    assert [i for _, i in zero.normal] == [0, 1, 0, 1, 0, 1, 0, 1]
    last = small_net.decode(tuple(n - 1 for n in CARDINALITIES))
    assert [i for _, i in last.reduce] == [1, 0, 2, 1, 3, 2, 4, 3]
    assert {op for op, _ in last.reduce} == {DARTS_OPS[-1]}


def test_sampling_is_uniform_like_the_space_sampler(small_net):
    rng = np.random.default_rng(11)
    n = 4000
    counts = np.zeros(20)
    op_counts = np.zeros(7)
    for _ in range(n):
        choice = small_net.sample_choice(rng)
        counts[choice[9]] += 1  # normal node 5 inputs
        op_counts[choice[22]] += 1  # reduce node 5 op a
    chi2 = ((counts - n / 20) ** 2 / (n / 20)).sum()
    assert chi2 < 43.8  # chi-square, 19 degrees of freedom, p = 0.001
    chi2_ops = ((op_counts - n / 7) ** 2 / (n / 7)).sum()
    assert chi2_ops < 22.5  # 6 degrees of freedom, p = 0.001
    # The space's own sampler encodes to the same uniform distribution.
    space_counts = np.zeros(20)
    for arch in SPACE.sample(n, seed=12):
        space_counts[small_net.encode(arch)[21]] += 1  # reduce node 5 inputs
    chi2_space = ((space_counts - n / 20) ** 2 / (n / 20)).sum()
    assert chi2_space < 43.8
    for arch in (small_net.sample(rng) for _ in range(200)):
        SPACE.validate(arch)
    fixed = small_net.sample(rng, fixed={9: 19, 10: 6})
    assert fixed.normal[6:] == ((DARTS_OPS[6], 4), (fixed.normal[7][0], 3))


def test_relaxation_forward_and_gradients(small_net):
    alphas = small_net.init_alphas(torch.Generator().manual_seed(0))
    assert small_net.alpha_shapes() == {"normal": (14, 7), "reduce": (14, 7)}
    assert set(alphas) == {"normal", "reduce"}
    assert all(a.shape == (14, 7) and a.requires_grad for a in alphas.values())
    x = _images(2)
    small_net.train()
    small_net.zero_grad()
    logits = small_net(x, alphas=alphas)
    assert logits.shape == (2, 10)
    assert torch.isfinite(logits).all()
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([1, 7]))
    loss.backward()
    for name in ("normal", "reduce"):
        grad = alphas[name].grad
        assert grad is not None and grad.shape == (14, 7)
        assert float(grad.abs().sum()) > 0
        # Every edge of every node receives gradient (all edges are mixed in).
        assert bool((grad.abs().sum(dim=1) > 0).all())
    # Weights of ops on inactive edges get gradients too in the relaxation.
    assert small_net.cells[0].edges[13][3].op[1].weight.grad is not None


def test_arch_logprob(small_net):
    arch = SPACE.sample(1, seed=5)[0]
    zeros = {k: torch.zeros(shape) for k, shape in small_net.alpha_shapes().items()}
    assert small_net.arch_logprob(arch, zeros) == pytest.approx(16 * math.log(1 / 7))
    terms = list(small_net._choice_logprob_terms(small_net.encode(arch)))
    assert len(terms) == 16
    assert [t[0] for t in terms] == ["normal"] * 8 + ["reduce"] * 8
    # Favouring exactly arch's (edge, op) entries makes it the most likely genotype.
    favour = {k: torch.zeros(shape) for k, shape in small_net.alpha_shapes().items()}
    for name, edge, op in terms:
        favour[name][edge, op] = 5.0
    best = small_net.arch_logprob(arch, favour)
    for other in SPACE.sample(20, seed=6):
        if other != arch:
            assert small_net.arch_logprob(other, favour) < best
    assert best == pytest.approx(16 * (5.0 - math.log(math.exp(5.0) + 6)))


def test_errors(small_net):
    x = _images(2)
    arch = SPACE.sample(1, seed=0)[0]
    alphas = small_net.init_alphas()
    with pytest.raises(ValueError, match="exactly one"):
        small_net(x)
    with pytest.raises(ValueError, match="exactly one"):
        small_net(x, arch, alphas=alphas)
    bad = list(small_net.encode(arch))
    bad[21] = 20  # reduce node 5 inputs takes 0..19
    with pytest.raises(ValueError, match="reduce node 5 inputs"):
        small_net.decode(bad)
    with pytest.raises(ValueError, match="reduce node 5 inputs"):
        small_net(x, tuple(bad))
    bad = list(small_net.encode(arch))
    bad[1] = 7
    with pytest.raises(ValueError, match="normal node 2 op a"):
        small_net.decode(bad)
    with pytest.raises(ValueError, match="24 decision values"):
        small_net.decode((0,) * 23)
    with pytest.raises(ValueError, match="layers"):
        SPACE.build_supernet(channels=4, layers=2)
