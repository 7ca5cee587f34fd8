"""Per-step losses and layer health: computed by the engine, recorded in the run folder,
read back through RunRecord, exported by ``runs export``; the health numbers checked against
a direct computation on a small network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.nn import health
from tui_nn.nn.network import Architecture, Network
from tui_nn.nn.optimizers import make_optimizer
from tui_nn.runs import Runner, RunRecord, RunStore
from tui_nn.runs.export import export_csv
from tui_nn.training import TrainConfig
from tui_nn.training.curves import downsample, ema_smooth, steps_in_epochs

TINY = dict(hidden=(16, 8), epochs=2, batch_size=64, optimizer="adam", lr=3e-3, val_fraction=0.1)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def test_every_batch_loss_is_recorded_and_averages_to_the_epoch_loss(sample, tmp_path):
    store = RunStore(tmp_path)
    runner = Runner.new(TrainConfig(**TINY), sample, store=store)
    result = runner.run()
    steps = RunRecord(runner.path).steps()
    assert steps.shape == (2, 57) and steps.dtype == np.float32
    sizes = np.array([64] * 56 + [3600 - 56 * 64])
    for epoch in range(2):
        assert np.average(steps[epoch], weights=sizes) == pytest.approx(result.history.train_loss[epoch], rel=1e-5)
    # continuing keeps the epochs already recorded and adds the new ones
    Runner.resuming(store, runner.path.name, epochs=1, dataset=sample).run()
    more = RunRecord(runner.path).steps()
    assert more.shape == (3, 57)
    np.testing.assert_array_equal(more[:2], steps)


def test_debiased_ema_and_downsampling_by_hand():
    np.testing.assert_allclose(ema_smooth([3.0] * 5, 0.9), [3.0] * 5)      # debiased: no pull towards 0
    # beta 0.5: s1 = 0.5 -> 0.5/0.5 = 1; s2 = 0.25 + 1 = 1.25 -> 1.25/0.75
    np.testing.assert_allclose(ema_smooth([1.0, 2.0], 0.5), [1.0, 1.25 / 0.75])
    np.testing.assert_allclose(ema_smooth([1.0, 5.0, 2.0], 0.0), [1.0, 5.0, 2.0])   # off
    x, y = downsample(np.arange(10.0), 5)
    np.testing.assert_allclose(y, [0.5, 2.5, 4.5, 6.5, 8.5])
    np.testing.assert_allclose(x, [0.5, 2.5, 4.5, 6.5, 8.5])
    np.testing.assert_allclose(steps_in_epochs(np.zeros((2, 4)))[[0, 3, 7]], [0.25, 1.0, 2.0])


def small_network(activation: str) -> Network:
    net = Network(Architecture((3, 4, 2), activation), dtype=np.float64)
    w1 = np.array([[1.0, -1.0, 0.5, -2.0], [0.5, -1.0, 0.0, -1.0], [-1.0, -1.0, 1.0, -3.0]])
    net.layers[0].W[...] = w1
    net.layers[0].b[...] = [0.1, -0.2, 0.0, -0.5]
    net.layers[1].W[...] = np.arange(8.0).reshape(4, 2) / 10
    net.layers[1].b[...] = [0.0, 0.1]
    return net


X = np.array([[0.2, 0.4, 0.1], [0.9, 0.1, 0.5], [0.0, 0.3, 0.8], [0.6, 0.6, 0.6]])
LABELS = np.array([0, 1, 1, 0])


def test_layer_health_equals_a_direct_computation_relu():
    net = small_network("relu")
    z = X @ net.layers[0].W + net.layers[0].b
    a = np.maximum(z, 0)
    # unit 1 (every weight -1, bias -0.2) and unit 3 are never positive on these inputs: dead
    assert (a[:, 1] == 0).all() and (a[:, 3] == 0).all() and (a[:, 0] > 0).any() and (a[:, 2] > 0).any()
    flat, [hist] = health.activation_health(net, X)
    assert flat == [0.5]
    edges = np.linspace(0, 4, 21)
    assert hist == pytest.approx((np.histogram(np.clip(a, 0, 4), edges)[0] / a.size).tolist())
    assert sum(hist) == pytest.approx(1.0)
    assert health.weight_norms(net) == pytest.approx(
        [np.sqrt((net.layers[0].W ** 2).sum()), np.sqrt((net.layers[1].W ** 2).sum())])

    net.train_batch(X, LABELS)
    # dL/dW2 = a^T (softmax - onehot) / n for mean cross-entropy
    logits = a @ net.layers[1].W + net.layers[1].b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(4), LABELS] -= 1
    direct = a.T @ (p / 4)
    assert health.grad_norms(net)[1] == pytest.approx(np.linalg.norm(direct))

    before = health.weight_snapshot(net)
    grads = [np.linalg.norm(layer.dW) for layer in net.layers]
    make_optimizer("sgd", net.params, 0.1).step(net.grads)
    # one SGD step moves W by lr * dW
    expected = [0.1 * g / np.linalg.norm(w) for g, w in zip(grads, before)]
    assert health.update_ratios(net, before) == pytest.approx(expected)


def test_saturated_sigmoid_and_tanh_units_are_counted():
    for name, squash in (("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("tanh", np.tanh)):
        net = small_network(name)
        net.layers[0].W[:, 3] = -40.0      # unit 3 saturates on every input; the others do not
        a = squash(X @ net.layers[0].W + net.layers[0].b)
        saturated = ((np.abs(a - 0.5) > 0.45) if name == "sigmoid" else (np.abs(a) > 0.95)).all(axis=0)
        flat, [hist] = health.activation_health(net, X)
        assert flat == [saturated.mean()] and saturated[3]
        assert sum(hist) == pytest.approx(1.0)


def test_health_is_recorded_per_epoch_and_exported(sample, tmp_path):
    runner = Runner.new(TrainConfig(**TINY), sample, store=RunStore(tmp_path))
    result = runner.run()
    record = RunRecord(runner.path)
    h = record.health()
    assert h["weight_norm"].shape == h["grad_norm"].shape == h["update_ratio"].shape == (2, 3)
    assert h["flat_units"].shape == (2, 2) and h["histogram"].shape == (2, 2, 20) and h["edges"].shape == (21,)
    np.testing.assert_allclose(h["weight_norm"][-1], health.weight_norms(result.network), rtol=1e-6)
    assert (h["grad_norm"] > 0).all() and (0 < h["update_ratio"]).all() and (h["update_ratio"] < 1).all()
    np.testing.assert_allclose(h["histogram"].sum(axis=2), 1.0, rtol=1e-5)

    out = tmp_path / "all.csv"
    export_csv([runner.path], out)
    table = pd.read_csv(out)
    np.testing.assert_allclose(table.layer3_weight_norm, h["weight_norm"][:, 2], rtol=1e-6)
    np.testing.assert_allclose(table.layer2_flat_units, h["flat_units"][:, 1])
    assert "layer3_flat_units" not in table          # the output layer has no activation to count
