"""The NAS-Bench-201 supernet: exact inherited-weight sub-networks, decisions, relaxation."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import torch

from nasperf.spaces import get_space
from nasperf.spaces.supernet import batch_statistics, region_of

SPACE = get_space("nb201")


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    net = SPACE.build_supernet("cifar10", channels=4, cells_per_stage=2)
    # Non-trivial BatchNorm parameters and running statistics, so eval mode is a real check.
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        net.train()
        rng = np.random.default_rng(0)
        for _ in range(3):
            net(torch.randn(8, 3, 32, 32), net.sample(rng))
    return net


def test_inherited_forward_equals_standalone_network(net):
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    for arch in SPACE.sample(6, seed=3):
        alone = net.extract(arch)
        assert type(alone).__name__ == "NB201Network"
        with batch_statistics(net), batch_statistics(alone), torch.no_grad():
            torch.testing.assert_close(net(x, arch), alone(x), rtol=0, atol=1e-6)
        net.eval()
        alone.eval()
        with torch.no_grad():
            torch.testing.assert_close(net(x, arch), alone(x), rtol=0, atol=1e-6)
        net.train()


def test_batch_statistics_leaves_running_stats_and_modes_untouched(net):
    bn = next(m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d))
    before = bn.running_mean.clone()
    net.eval()
    with batch_statistics(net), torch.no_grad():
        net(torch.randn(4, 3, 32, 32), SPACE.sample(1, seed=0)[0])
        assert bn.training and not bn.track_running_stats
    assert not bn.training and bn.track_running_stats
    torch.testing.assert_close(bn.running_mean, before)
    net.train()


def test_decisions_are_a_bijection_with_the_space(net):
    assert net.decisions == (5,) * 6
    choices = [net.encode(a) for a in SPACE.enumerate()]
    assert len(set(choices)) == 15_625
    for arch in SPACE.sample(50, seed=1):
        assert net.decode(net.encode(arch)) == arch
        assert net.encode(SPACE.to_string(arch)) == net.encode(arch)
    with pytest.raises(ValueError, match=r"decision 2 \(edge 2<-1\) takes 0..4, got 7"):
        net.decode((0, 0, 7, 0, 0, 0))


def test_few_shot_split_covers_the_space_exactly_once(net):
    for split in [(0,), (2, 5)]:
        counts = Counter(region_of(net.encode(a), split) for a in SPACE.enumerate())
        n_regions = math.prod(net.decisions[i] for i in split)
        assert len(counts) == n_regions
        assert set(counts.values()) == {15_625 // n_regions}
    rng = np.random.default_rng(0)
    for _ in range(200):
        fixed = {0: 3, 4: 1}
        assert region_of(net.sample_choice(rng, fixed), (0, 4)) == (3, 1)


def test_relaxation_forward_gradients_and_log_probability(net):
    alphas = net.init_alphas(torch.Generator().manual_seed(0))
    assert {k: tuple(v.shape) for k, v in alphas.items()} == {"cell": (6, 5)}
    x = torch.randn(2, 3, 32, 32)
    loss = torch.nn.functional.cross_entropy(net(x, alphas=alphas), torch.tensor([1, 2]))
    loss.backward()
    assert (alphas["cell"].grad.abs().sum(dim=1) > 0).all()
    zeros = {"cell": torch.zeros(6, 5)}
    arch = SPACE.sample(1, seed=2)[0]
    assert net.arch_logprob(arch, zeros) == pytest.approx(6 * math.log(1 / 5))
    peaked = {"cell": torch.zeros(6, 5)}
    peaked["cell"][torch.arange(6), torch.tensor(net.encode(arch))] = 10.0
    best = net.arch_logprob(arch, peaked)
    assert all(net.arch_logprob(b, peaked) < best for b in SPACE.neighbors(arch))


def test_forward_needs_exactly_one_of_arch_and_alphas(net):
    x = torch.randn(1, 3, 32, 32)
    with pytest.raises(ValueError, match="exactly one"):
        net(x)
    with pytest.raises(ValueError, match="exactly one"):
        net(x, SPACE.sample(1, seed=0)[0], alphas=net.init_alphas())


def test_spaces_without_a_supernet_say_so():
    with pytest.raises(NotImplementedError, match="'nb101' has no weight-sharing supernet"):
        get_space("nb101").build_supernet()
