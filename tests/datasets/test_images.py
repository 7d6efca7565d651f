"""CIFAR image batches: packaged npz, binary and python distributions, restricted unpickling."""

from __future__ import annotations

import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from nasperf.datasets import (
    IMAGE_STATS,
    UnsafePickleError,
    load_image_batch,
    read_cifar_binary,
    read_cifar_python,
    read_image_npz,
)
from nasperf.datasets.images import restricted_loads
from nasperf.errors import DataIntegrityError

SHARED_IMAGES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "images"
needs_shared = pytest.mark.skipif(not SHARED_IMAGES.is_dir(), reason="../shared/data absent")


@pytest.fixture(scope="module")
def cifar10_raw():
    """First 256 CIFAR-10 test images and labels, from the packaged file (uint8 NCHW)."""
    from nasperf.datasets import data_path

    with np.load(data_path("images/cifar10_test_first256.npz"), allow_pickle=False) as z:
        return z["data"], z["labels"].astype(np.int64), list(z["label_names"])


@pytest.fixture(scope="module")
def cifar100_raw():
    from nasperf.datasets import data_path

    with np.load(data_path("images/cifar100_test_first256.npz"), allow_pickle=False) as z:
        return z["data"], z["labels"].astype(np.int64), z["coarse_labels"].astype(np.int64)


def test_packaged_contents(cifar10_raw, cifar100_raw):
    data, labels, names = cifar10_raw
    assert data.shape == (256, 3, 32, 32) and data.dtype == np.uint8
    assert names[:3] == ["airplane", "automobile", "bird"]
    # The first CIFAR-10 test images are a cat, a ship, a ship, an airplane.
    assert labels[:4].tolist() == [3, 8, 8, 0]
    data100, fine, coarse = cifar100_raw
    assert data100.shape == (256, 3, 32, 32)
    assert fine.max() < 100 and coarse.max() < 20


@needs_shared
def test_packaged_equals_source(cifar10_raw, cifar100_raw):
    with np.load(SHARED_IMAGES / "cifar10_test_first1017.npz", allow_pickle=False) as z:
        np.testing.assert_array_equal(cifar10_raw[0], z["data"][:256])
        np.testing.assert_array_equal(cifar10_raw[1], z["labels"][:256])
    with np.load(SHARED_IMAGES / "cifar100_test_first916.npz", allow_pickle=False) as z:
        np.testing.assert_array_equal(cifar100_raw[0], z["data"][:256])
        np.testing.assert_array_equal(cifar100_raw[1], z["fine_labels"][:256])


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100"])
def test_batch_shapes_and_normalization(dataset, cifar10_raw, cifar100_raw):
    raw, labels = (cifar10_raw if dataset == "cifar10" else cifar100_raw)[:2]
    x, y = load_image_batch(dataset, n=256, seed=None)
    assert x.shape == (256, 3, 32, 32) and x.dtype == torch.float32
    assert y.shape == (256,) and y.dtype == torch.int64
    assert y.tolist() == labels.tolist()
    mean, std = IMAGE_STATS[dataset]
    expected = (raw / 255.0 - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(x.numpy(), expected, atol=1e-5)
    # Test images standardised with training statistics: channel means ~0, stds ~1.
    assert x.mean(dim=(0, 2, 3)).abs().max() < 0.1
    assert (x.std(dim=(0, 2, 3)) - 1).abs().max() < 0.1

    x01, _ = load_image_batch(dataset, n=8, seed=None, normalize=False)
    np.testing.assert_allclose(x01.numpy(), raw[:8] / 255.0, atol=1e-7)


def test_seeded_subsets(cifar10_raw):
    x1, y1 = load_image_batch("cifar10", n=32, seed=3)
    x2, y2 = load_image_batch("CIFAR10-valid", n=32, seed=3)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    x3, _ = load_image_batch("cifar10", n=32, seed=4)
    assert not torch.equal(x1, x3)
    idx = np.random.default_rng(3).choice(256, size=32, replace=False)
    assert y1.tolist() == cifar10_raw[1][idx].tolist()
    x4, _ = load_image_batch("cifar10", n=32, seed=np.random.default_rng(3))
    assert torch.equal(x1, x4)


def test_batch_errors():
    with pytest.raises(ValueError, match="no ImageNet16-120 images are packaged"):
        load_image_batch("ImageNet16-120")
    with pytest.raises(ValueError, match="unknown image dataset 'svhn'.*cifar10"):
        load_image_batch("svhn")
    with pytest.raises(ValueError, match="only 256 cifar10 images"):
        load_image_batch("cifar10", n=257)
    with pytest.raises(ValueError, match="positive int"):
        load_image_batch("cifar10", n=0)


# ------------------------------------------------------------------ user sources
def _binary_records(data: np.ndarray, *label_columns: np.ndarray) -> bytes:
    labels = np.stack(label_columns, axis=1).astype(np.uint8)
    return np.concatenate([labels, data.reshape(len(data), -1)], axis=1).tobytes()


def test_cifar10_binary_folder_and_archive(tmp_path, cifar10_raw):
    data, labels, _ = cifar10_raw
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    (folder / "test_batch.bin").write_bytes(_binary_records(data[:100], labels[:100]))
    for src in (folder, tmp_path, folder / "test_batch.bin"):
        imgs = read_cifar_binary(src)
        assert imgs.dataset == "cifar10"
        np.testing.assert_array_equal(imgs.images, data[:100])
        np.testing.assert_array_equal(imgs.labels, labels[:100])

    archive = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-bin")
    x, y = load_image_batch("cifar10", n=100, seed=None, source=archive)
    x_ref, y_ref = load_image_batch("cifar10", n=100, seed=None)
    assert torch.equal(x, x_ref) and torch.equal(y, y_ref)


def test_cifar100_binary(tmp_path, cifar100_raw):
    data, fine, coarse = cifar100_raw
    folder = tmp_path / "cifar-100-binary"
    folder.mkdir()
    (folder / "test.bin").write_bytes(_binary_records(data[:50], coarse[:50], fine[:50]))
    imgs = read_cifar_binary(folder)
    assert imgs.dataset == "cifar100"
    np.testing.assert_array_equal(imgs.images, data[:50])
    np.testing.assert_array_equal(imgs.labels, fine[:50])
    with pytest.raises(DataIntegrityError, match="whole number"):
        (folder / "test.bin").write_bytes(b"\x00" * 3075)
        read_cifar_binary(folder)


def _python_batch(data: np.ndarray, **labels) -> dict:
    return {
        "batch_label": "testing batch 1 of 1",
        "data": data.reshape(len(data), -1),
        "filenames": [f"img_{i}.png" for i in range(len(data))],
        **{k: list(map(int, v)) for k, v in labels.items()},
    }


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_python_batch(tmp_path, cifar10_raw, protocol):
    data, labels, _ = cifar10_raw
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as fh:
        pickle.dump(_python_batch(data[:64], labels=labels[:64]), fh, protocol=protocol)
    imgs = read_cifar_python(tmp_path)
    assert imgs.dataset == "cifar10"
    np.testing.assert_array_equal(imgs.images, data[:64])
    np.testing.assert_array_equal(imgs.labels, labels[:64])
    x, y = load_image_batch("cifar10", n=16, seed=1, source=folder)
    assert (
        x.shape == (16, 3, 32, 32)
        and y.tolist()
        == labels[:64][np.random.default_rng(1).choice(64, 16, replace=False)].tolist()
    )


def test_cifar100_python_archive_with_bytes_keys(tmp_path, cifar100_raw):
    # The original files are Python 2 pickles whose keys read back as bytes.
    data, fine, coarse = cifar100_raw
    batch = _python_batch(data[:20], fine_labels=fine[:20], coarse_labels=coarse[:20])
    batch = {k.encode(): v for k, v in batch.items()}
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    (folder / "test").write_bytes(pickle.dumps(batch, protocol=2))
    archive = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-100-python")
    imgs = read_cifar_python(archive)
    assert imgs.dataset == "cifar100"
    np.testing.assert_array_equal(imgs.images, data[:20])
    np.testing.assert_array_equal(imgs.labels, fine[:20])
    with pytest.raises(ValueError, match="holds cifar100 images, not cifar10"):
        load_image_batch("cifar10", n=4, source=tmp_path / "cifar-100-python" / "test")


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_restricted_unpickler_refuses_code(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"data": _Evil(marker), "labels": [0]}, protocol=2)
    with pytest.raises(UnsafePickleError, match=r"(posix|os|nt)\.system"):
        restricted_loads(payload)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(payload)
    with pytest.raises(UnsafePickleError):
        read_cifar_python(folder)
    with pytest.raises(UnsafePickleError):
        load_image_batch("cifar10", source=folder)
    assert not marker.exists()

    # Other gadgets: builtins.eval, and arrays of Python objects.
    class _Eval:
        def __reduce__(self):
            return (eval, ("1 + 1",))

    with pytest.raises(UnsafePickleError, match="builtins.eval"):
        restricted_loads(pickle.dumps(_Eval()))
    with pytest.raises(UnsafePickleError, match="object dtype"):
        restricted_loads(pickle.dumps({"data": np.array([1, "a"], dtype=object)}))
    with pytest.raises(DataIntegrityError, match="not a readable pickle"):
        restricted_loads(b"\x80\x02}q\x00")


def test_npz_sources(tmp_path, cifar10_raw):
    data, labels, _ = cifar10_raw
    nhwc = tmp_path / "nhwc.npz"
    np.savez(nhwc, images=data[:10].transpose(0, 2, 3, 1), labels=labels[:10])
    imgs = read_image_npz(nhwc)
    np.testing.assert_array_equal(imgs.images, data[:10])

    objects = tmp_path / "objects.npz"
    np.savez(objects, data=np.array([data[0], "x"], dtype=object), labels=labels[:2])
    with pytest.raises(DataIntegrityError, match="pickle-free"):
        read_image_npz(objects)
    missing = tmp_path / "missing.npz"
    np.savez(missing, pixels=data[:2])
    with pytest.raises(DataIntegrityError, match="needs arrays 'data'"):
        read_image_npz(missing)

    # ImageNet16-120 works from a user npz, with NAS-Bench-201's statistics.
    small = tmp_path / "in16.npz"
    np.savez(small, data=data[:4, :, :16, :16], labels=np.arange(4))
    x, y = load_image_batch("imagenet16", n=4, seed=None, source=small)
    assert x.shape == (4, 3, 16, 16) and y.tolist() == [0, 1, 2, 3]


@needs_shared
def test_shared_npz_source():
    x, y = load_image_batch(
        "cifar100", n=900, seed=0, source=SHARED_IMAGES / "cifar100_test_first916.npz"
    )
    assert x.shape == (900, 3, 32, 32) and int(y.max()) < 100
