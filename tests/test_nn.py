"""The network's maths: gradient checks, numerical stability, optimizers, save/load."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from tui_nn.nn import Architecture, ModelFileError, Network, load_model, make_optimizer, save_model
from tui_nn.nn.gradcheck import batch_loss, relative_errors
from tui_nn.nn.initializers import INITS, initial_weights
from tui_nn.nn.layers import Dropout
from tui_nn.nn.losses import make_loss

ACTS = ("relu", "leaky_relu", "sigmoid", "tanh")
OUTPUTS = ("softmax_ce", "sigmoid_mse", "sigmoid_ce")


def small_batch(seed=0, n=6, features=9, classes=4):
    rng = np.random.default_rng(seed)
    return rng.random((n, features)), rng.integers(0, classes, n)


def float64_net(activation="relu", output="softmax_ce", use_bias=True, dropout=0.0, sizes=(9, 7, 5, 4),
                init="uniform", seed=1):
    arch = Architecture(sizes, activation, output, use_bias, dropout)
    return Network(arch, dtype=np.float64, init=init, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("activation,output", list(itertools.product(ACTS, OUTPUTS)))
def test_gradients_match_finite_differences(activation, output):
    x, y = small_batch()
    net = float64_net(activation, output)
    errors = relative_errors(net, x, y)
    assert set(errors) == {"layer0.W", "layer0.b", "layer1.W", "layer1.b", "layer2.W", "layer2.b"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("use_bias,dropout,l2", [(False, 0.0, 0.0), (True, 0.4, 0.0), (True, 0.0, 0.05),
                                                 (False, 0.3, 0.02)])
def test_gradients_with_no_bias_dropout_and_l2(use_bias, dropout, l2):
    x, y = small_batch(3)
    net = float64_net("tanh", "softmax_ce", use_bias, dropout)
    errors = relative_errors(net, x, y, l2=l2)
    assert all(k.endswith(".W") for k in errors) or use_bias
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_wrong_backward_pass():
    """The check itself must be able to fail: break the ReLU derivative and see it."""
    x, y = small_batch()
    net = float64_net("relu")
    original = net.activation.backward
    net.activation.backward = lambda a, grad, scratch: original(a, grad, scratch) or grad.__imul__(1.01)
    assert max(relative_errors(net, x, y).values()) > 1e-3


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    net = Network(Architecture((2, 3), output="softmax_ce"), dtype=np.float64)
    net.layers[0].W[...] = [[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]]
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss_sum, correct = net.train_batch(x, np.array([0, 2, 1]))
        proba = net.predict_proba(x)
    assert np.isfinite(loss_sum)
    # third sample: logits (1e4, -1e4, 1e4), true class 1: loss = log(2 e^1e4) + 1e4
    assert loss_sum == pytest.approx(2e4 + np.log(2), rel=1e-9)
    assert correct == 2
    assert np.all(np.isfinite(net.grads))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[0, 0] == pytest.approx(1.0)


def test_float32_is_the_default_and_stays_float32():
    net = Network(Architecture((784, 16, 10)), rng=np.random.default_rng(0))
    assert net.params.dtype == np.float32 and net.grads.dtype == np.float32
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    net.train_batch(x, np.arange(5))
    assert net.layers[0].dW.dtype == np.float32
    assert net.predict_proba(np.zeros((3, 784), np.uint8)).dtype == np.float32


def test_layer_parameters_are_views_of_the_flat_buffer():
    net = Network(Architecture((4, 3, 2)), rng=np.random.default_rng(0))
    net.params[:] = 0
    assert np.all(net.layers[0].W == 0) and np.all(net.layers[1].b == 0)
    assert net.n_params == 4 * 3 + 3 + 3 * 2 + 2


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_optimizer_steps_match_the_textbook_formulas(name):
    rng = np.random.default_rng(0)
    p = rng.normal(size=50)
    grads = [rng.normal(size=50) for _ in range(4)]
    lr, mu, b1, b2, eps = 0.1, 0.9, 0.9, 0.999, 1e-8
    opt = make_optimizer(name, p, lr, momentum=mu)
    ref = p.copy()
    v = np.zeros(50)
    m = np.zeros(50)
    s = np.zeros(50)
    for t, g in enumerate(grads, start=1):
        opt.step(g)
        if name == "sgd":
            ref -= lr * g
        elif name in ("momentum", "nesterov"):
            v = mu * v + g
            ref -= lr * (g + mu * v) if name == "nesterov" else lr * v
        else:
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g * g
            ref -= lr * (m / (1 - b1 ** t)) / (np.sqrt(s / (1 - b2 ** t)) + eps)
    np.testing.assert_allclose(p, ref, rtol=1e-10, atol=1e-12)


def test_momentum_state_flushes_subnormals():
    p = np.zeros(8, np.float32)
    opt = make_optimizer("momentum", p, 0.1, momentum=0.5)
    opt.velocity[:] = 1e-39   # subnormal in float32
    opt.steps = 63            # the next step is a flush step
    opt.step(np.zeros(8, np.float32))
    assert np.all(opt.velocity == 0)


@pytest.mark.parametrize("kind", INITS)
def test_initialisations_have_the_documented_spread(kind):
    W, b = initial_weights(kind, np.random.default_rng(0), 400, 100, std=0.01)
    expected_std = {"he": np.sqrt(2 / 400), "xavier": np.sqrt(6 / 500) / np.sqrt(3),
                    "uniform": 1 / np.sqrt(12), "normal": 0.01, "fan_in": np.sqrt(1 / 400),
                    "fan_out": np.sqrt(1 / 100), "standard": 1.0}[kind]
    assert W.shape == (400, 100) and b.shape == (100,)
    assert W.std() == pytest.approx(expected_std, rel=0.03)
    assert abs(W.mean()) < expected_std * 0.02
    biases_random = kind in ("uniform", "fan_in", "standard")
    assert (b.std() > 0.2) == biases_random


def test_save_and_load_round_trip(tmp_path):
    net = Network(Architecture((784, 12, 10), "tanh", dropout=0.1), rng=np.random.default_rng(3))
    x = np.random.default_rng(1).integers(0, 256, (20, 784), dtype=np.uint8)
    path = tmp_path / "model.npz"
    save_model(net, path, metadata={"note": "hi"}, extra_params={"best": net.params * 2})
    loaded, meta = load_model(path)
    assert meta == {"note": "hi"}
    assert loaded.arch == net.arch
    np.testing.assert_array_equal(loaded.predict_proba(x), net.predict_proba(x))
    best, _ = load_model(path, which="best")
    np.testing.assert_array_equal(best.params, net.params * 2)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]   # no temporary file left


def test_model_file_layout_is_unchanged(tmp_path):
    """Files written before save/load moved to model_file.py must still load, and new files
    must hold the same arrays: build one by hand in the version-1 layout."""
    arch = Architecture((4, 3, 2), "tanh", "sigmoid_ce", dropout=0.2)
    params = np.arange(arch.n_params, dtype=np.float32) / 100
    path = tmp_path / "old.npz"
    np.savez(path, format=np.array("scratchnet-mlp"), format_version=np.array(1),
             architecture=np.array(json.dumps({"sizes": [4, 3, 2], "activation": "tanh",
                                               "output": "sigmoid_ce", "use_bias": True,
                                               "dropout": 0.2})),
             metadata=np.array(json.dumps({"epoch": 7})), params=params, params_best=params * 2)
    net, meta = load_model(path)
    assert net.arch == arch and meta == {"epoch": 7} and net.dtype == np.float32
    np.testing.assert_array_equal(net.params, params)
    np.testing.assert_array_equal(load_model(path, which="best")[0].params, params * 2)

    resaved = tmp_path / "new.npz"
    save_model(net, resaved, metadata={"epoch": 7}, extra_params={"best": params * 2})
    with np.load(path) as old, np.load(resaved) as new:
        assert new.files == old.files
        for key in old.files:
            assert new[key].dtype == old[key].dtype and new[key].shape == old[key].shape, key
            if key in ("architecture", "metadata"):
                assert json.loads(str(new[key])) == json.loads(str(old[key]))
            else:
                np.testing.assert_array_equal(new[key], old[key])


def test_loading_a_foreign_file_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, W=np.zeros((3, 3)))
    with pytest.raises(ModelFileError, match="not a scratchnet-tui model"):
        load_model(path)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ModelFileError, match="junk.npz: not a readable model file"):
        load_model(junk)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.npz")


def test_loading_parameters_of_the_wrong_shape_is_refused(tmp_path):
    net = Network(Architecture((784, 12, 10)), rng=np.random.default_rng(3))
    path = tmp_path / "model.npz"
    save_model(net, path)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["params"] = arrays["params"][:-5]
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=r"holds 9545 float32 parameters but its architecture 784-12-10 needs 9550"):
        load_model(path)


def test_model_refuses_data_of_another_shape():
    net = Network(Architecture((784, 12, 10)), rng=np.random.default_rng(3))
    with pytest.raises(ModelFileError, match="takes 784 inputs and 10 classes; the data has 100 inputs"):
        net.check_fits(100, 10)
    with pytest.raises(ValueError, match=r"expected inputs of shape \(n, 784\)"):
        net.predict(np.zeros((2, 100), np.uint8))


def test_failed_save_leaves_the_previous_model(tmp_path):
    net = Network(Architecture((4, 3)), rng=np.random.default_rng(0))
    path = tmp_path / "model.npz"
    save_model(net, path)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom
    original = np.savez
    np.savez = explode
    try:
        with pytest.raises(Boom):
            save_model(net, path)
    finally:
        np.savez = original
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_l2_penalty_gradient_is_added_to_weights_only():
    x, y = small_batch()
    net = float64_net()
    batch_loss(net, x, y, l2=0.0)
    plain = net.grads.copy()
    batch_loss(net, x, y, l2=0.5)
    diff = net.grads - plain
    w0 = net.layers[0]
    np.testing.assert_allclose(diff[: w0.W.size], 0.5 * w0.W.ravel())
    np.testing.assert_allclose(diff[w0.W.size: w0.W.size + w0.b.size], 0.0)


# ------------------------------------------------------------------ losses, by value
def identity_net(output, dtype=np.float64, classes=3):
    """A network with no hidden layer and W = I, b = 0: its logits are its inputs, so a
    test can hand ``evaluate`` the logits it wants."""
    net = Network(Architecture((classes, classes), output=output), dtype=dtype)
    net.layers[0].W[...] = np.eye(classes)
    return net


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_evaluate_reports_the_exact_loss_of_a_confident_mistake(dtype):
    """Logits (1e4, 0, 0) with the true class 1: the cross-entropy is 1e4, not the log of
    an underflowed probability (float32 capped it at -log(tiny) = 87.3, float64 at 708)."""
    logits = np.array([[1e4, 0.0, 0.0]], dtype)
    labels = np.array([1])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        # softmax: log(e^1e4 + 2) - 0 = 1e4 + log(1 + 2 e^-1e4) = 1e4
        loss, acc = identity_net("softmax_ce", dtype).evaluate(logits, labels)
        assert loss == pytest.approx(1e4, rel=1e-6) and acc == 0.0
        # sigmoid CE per class, softplus(z) - y z: softplus(1e4) + (log 2 - 0) + log 2
        loss, _ = identity_net("sigmoid_ce", dtype).evaluate(logits, labels)
        assert loss == pytest.approx(1e4 + 2 * np.log(2), rel=1e-6)
        # the true class far below: logits (0, -1e4, 0), true class 1, loss log(2 + e^-1e4) + 1e4
        loss, _ = identity_net("softmax_ce", dtype).evaluate(np.array([[0.0, -1e4, 0.0]], dtype), labels)
        assert loss == pytest.approx(1e4 + np.log(2), rel=1e-6)


# Two samples, three classes, each loss worked out by hand from its definition.
# softmax: sample 0, z = (0, 0, 0), label 2: p = 1/3 each, L = log 3;
#          sample 1, z = (5 + log 2, 5, 5), label 0: e^z is proportional to (2, 1, 1), so
#          p = (1/2, 1/4, 1/4), L = log 2 (the 5 checks the max-shift changes nothing).
#          Mean: (log 3 + log 2) / 2 = log(6) / 2 = 0.8958797346140275.
SOFTMAX_LOGITS = [[0.0, 0.0, 0.0], [5.693147180559945, 5.0, 5.0]]
SOFTMAX_LABELS = [2, 0]
# sigmoid: z = (0, 0, 0) -> a = (1/2, 1/2, 1/2); z = (log 3, -log 3, 0) -> a = (3/4, 1/4, 1/2)
# (sigmoid(log 3) = 1 / (1 + 1/3)); labels 0 and 1, so y = (1, 0, 0) and (0, 1, 0).
SIGMOID_LOGITS = [[0.0, 0.0, 0.0], [1.0986122886681098, -1.0986122886681098, 0.0]]
SIGMOID_LABELS = [0, 1]
HAND_COMPUTED = {
    "softmax_ce": (SOFTMAX_LOGITS, SOFTMAX_LABELS, 0.8958797346140275),
    # MSE, 1/2 sum_k (a_k - y_k)^2: sample 0: 1/2 (1/4 + 1/4 + 1/4) = 0.375;
    # sample 1: a - y = (3/4, -3/4, 1/2): 1/2 (9/16 + 9/16 + 4/16) = 0.6875. Mean 0.53125
    # (without the 1/2 it would be 1.0625).
    "sigmoid_mse": (SIGMOID_LOGITS, SIGMOID_LABELS, 0.53125),
    # CE, -sum_k [y log a + (1 - y) log(1 - a)]: sample 0: 3 log 2; sample 1:
    # -log(1 - 3/4) - log(1/4) - log(1 - 1/2) = log 4 + log 4 + log 2 = 5 log 2.
    # Mean: 4 log 2 = 2.772588722239781.
    "sigmoid_ce": (SIGMOID_LOGITS, SIGMOID_LABELS, 2.772588722239781),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", OUTPUTS)
def test_each_loss_has_its_hand_computed_value(output, dtype):
    """The loss function itself, training (train_batch) and evaluation (evaluate) all give
    the hand-computed mean loss on the same logits."""
    logits, labels, expected = HAND_COMPUTED[output]
    z, labels = np.array(logits, dtype), np.array(labels)
    rel = 1e-12 if dtype == np.float64 else 1e-6
    assert make_loss(output).fn(z.copy(), labels) == pytest.approx(expected, rel=rel)
    net = identity_net(output, dtype)
    loss_sum, _ = net.train_batch(z, labels)
    assert loss_sum / len(z) == pytest.approx(expected, rel=rel)
    assert net.evaluate(z, labels)[0] == pytest.approx(expected, rel=rel)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_evaluation_loss_depends_on_the_labels(dtype):
    """The same network on the same images, two label vectors: two losses, each the
    hand-computed mean cross-entropy. Logits (0, 0, 0) give p = (1/3, 1/3, 1/3); logits
    (5 + log 2, 5, 5) give p = (1/2, 1/4, 1/4).
    Labels (2, 0): (-log(1/3) - log(1/2)) / 2 = log(6) / 2 = 0.8958797346140275.
    Labels (0, 1): (-log(1/3) - log(1/4)) / 2 = log(12) / 2 = 1.2424533248940002.
    Accuracy: sample 1's argmax is class 0, so 1/2 with labels (2, 0), 1/2 with (0, 1)
    (sample 0's argmax is class 0 too: ties go to the first)."""
    net = identity_net("softmax_ce", dtype)
    images = np.array(SOFTMAX_LOGITS, dtype)
    rel = 1e-12 if dtype == np.float64 else 1e-6
    loss_a, acc_a = net.evaluate(images.copy(), np.array([2, 0]))
    loss_b, acc_b = net.evaluate(images.copy(), np.array([0, 1]))
    assert loss_a == pytest.approx(np.log(6) / 2, rel=rel) and loss_a == pytest.approx(0.8958797346140275, rel=rel)
    assert loss_b == pytest.approx(np.log(12) / 2, rel=rel) and loss_b == pytest.approx(1.2424533248940002, rel=rel)
    assert loss_a != loss_b
    assert (acc_a, acc_b) == (0.5, 0.5)
    # a real network on real-looking data: other labels, another loss
    x, y = small_batch(3, n=40)
    net = float64_net()
    assert net.evaluate(x, y)[0] != pytest.approx(net.evaluate(x, (y + 1) % 4)[0], rel=1e-6)


@pytest.mark.parametrize("activation,output", list(itertools.product(ACTS, OUTPUTS)))
def test_evaluate_loss_is_the_training_loss(activation, output):
    """Same batch, no dropout, no L2: evaluate's mean loss is train_batch's summed loss / n,
    also when evaluate works through several chunks."""
    x, y = small_batch(5, n=5000)
    net = float64_net(activation, output)
    loss_sum, correct = net.train_batch(x, y)
    loss, acc = net.evaluate(x, y)
    assert loss == pytest.approx(loss_sum / len(x), rel=1e-12)
    assert acc == correct / len(x)
    x, y = small_batch(6, n=7)
    assert net.evaluate(x, y)[0] == net.train_batch(x, y)[0] / len(x)   # one chunk: bit for bit


def test_evaluation_does_not_drop_units():
    """A network with dropout evaluates and predicts exactly as the same weights without."""
    x, y = small_batch(2, n=50)
    with_dropout, without = float64_net("tanh", dropout=0.5), float64_net("tanh")
    with_dropout.params[...] = without.params
    assert with_dropout.evaluate(x, y) == without.evaluate(x, y)
    np.testing.assert_array_equal(with_dropout.predict_proba(x), without.predict_proba(x))
    loss_sum, _ = without.train_batch(x, y)
    assert with_dropout.evaluate(x, y)[0] == pytest.approx(loss_sum / len(x), rel=1e-12)


# ------------------------------------------------------- initialisers, by distribution
def excess_kurtosis(w):
    """E[(w - mean)^4] / var^2 - 3: 0 for a normal distribution, -1.2 for a uniform one."""
    d = w - w.mean()
    return float(np.mean(d ** 4) / np.mean(d ** 2) ** 2 - 3)


@pytest.mark.parametrize("kind,bound", [("xavier", np.sqrt(6 / 500)), ("uniform", 0.5)])
def test_uniform_initialisations_stay_within_their_bounds_and_are_flat(kind, bound):
    """Drawn from U(-r, r): never beyond r, reaching close to it, kurtosis -1.2. A normal
    draw of the same spread exceeds r (8% of weights) and has kurtosis 0."""
    W, b = initial_weights(kind, np.random.default_rng(0), 400, 100)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound
    assert excess_kurtosis(W) == pytest.approx(-1.2, abs=0.05)
    assert np.histogram(W, bins=10, range=(-bound, bound))[0].min() > 0.9 * W.size / 10   # flat


@pytest.mark.parametrize("kind,std", [("he", np.sqrt(2 / 400)), ("normal", 0.01), ("fan_in", np.sqrt(1 / 400)),
                                      ("fan_out", np.sqrt(1 / 100)), ("standard", 1.0)])
def test_normal_initialisations_are_gaussian(kind, std):
    """Drawn from N(0, std^2): kurtosis 0 and about 4.55% of weights beyond 2 std (a
    uniform draw of the same std has kurtosis -1.2 and none beyond 1.73 std)."""
    W, _ = initial_weights(kind, np.random.default_rng(0), 400, 100, std=0.01)
    assert abs(excess_kurtosis(W)) < 0.1
    assert np.mean(np.abs(W) > 2 * std) == pytest.approx(0.0455, abs=0.005)
    assert np.abs(W).max() > 3.5 * std


@pytest.mark.parametrize("kind", INITS)
def test_biases_have_the_documented_spread(kind):
    """uniform: U(-0.5, 0.5); fan_in and standard: N(0, 1); all others exactly zero."""
    _, b = initial_weights(kind, np.random.default_rng(0), 10, 20000, std=0.01)
    if kind == "uniform":
        assert np.abs(b).max() <= 0.5 and b.std() == pytest.approx(1 / np.sqrt(12), rel=0.03)
    elif kind in ("fan_in", "standard"):
        assert b.std() == pytest.approx(1.0, rel=0.03) and abs(excess_kurtosis(b)) < 0.15
    else:
        assert np.all(b == 0)


def test_normal_initialisation_uses_the_given_std():
    W, _ = initial_weights("normal", np.random.default_rng(0), 400, 100, std=0.05)
    assert W.std() == pytest.approx(0.05, rel=0.03)
    net = Network(Architecture((400, 100)), init="normal", init_std=0.05, rng=np.random.default_rng(0))
    assert net.layers[0].W.std() == pytest.approx(0.05, rel=0.03)


# ---------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_dropout_keeps_about_1_minus_rate_and_scales_the_kept_by_its_inverse(rate):
    mask = np.empty((200, 500), np.float32)
    Dropout(rate).sample_mask(np.random.default_rng(0), np.empty_like(mask), mask)
    kept = mask != 0
    assert kept.mean() == pytest.approx(1 - rate, abs=0.005)
    np.testing.assert_array_equal(mask[kept], np.float32(1 / (1 - rate)))


def test_training_applies_inverted_dropout_to_hidden_units():
    """Through train_batch: one input of 1, W0 = 1, so every hidden ReLU outputs 1; with
    W1 = 0 the logits are 0, p = (1/2, 1/2) and, for label 0, dL/dz = (-1/2, 1/2). Then
    dL/dW1[j, 1] = (unit j after dropout) * 1/2, so the gradient shows each dropped-out
    unit: 0 for a dropped one, 1/(1 - rate) for a kept one."""
    rate, hidden = 0.25, 20000
    net = Network(Architecture((1, hidden, 2), "relu", dropout=rate), dtype=np.float64)
    net.layers[0].W[...] = 1.0
    net.train_batch(np.ones((1, 1)), np.array([0]), rng=np.random.default_rng(0))
    after_dropout = 2 * net.layers[1].dW[:, 1]
    kept = after_dropout != 0
    assert kept.mean() == pytest.approx(1 - rate, abs=0.015)
    np.testing.assert_allclose(after_dropout[kept], 1 / (1 - rate), rtol=1e-12)


# ------------------------------------------------------------------------- optimizers
@pytest.mark.parametrize("name,expected", [("momentum", [0.9, 0.75]), ("nesterov", [0.85, 0.675])])
def test_momentum_honours_a_non_default_momentum(name, expected):
    """mu = 0.5, lr = 0.1, p = 1, gradient 1 twice.
    momentum: v = 1, p = 1 - 0.1 = 0.9; v = 0.5 + 1 = 1.5, p = 0.9 - 0.15 = 0.75.
    nesterov: v = 1, p = 1 - 0.1 (1 + 0.5) = 0.85; v = 1.5, p = 0.85 - 0.1 (1 + 0.75) = 0.675.
    (mu = 0.9 would give 0.71 and 0.539 after the second step.)"""
    p = np.array([1.0])
    opt = make_optimizer(name, p, 0.1, momentum=0.5)
    for want in expected:
        opt.step(np.array([1.0]))
        assert p[0] == pytest.approx(want, rel=1e-12)


def test_adam_honours_non_default_betas():
    """beta1 = 0.5, beta2 = 0.8, lr = 0.1, eps = 1e-8, p = 1, gradients 1 then 2.
    step 1: m = 0.5, v = 0.2; m_hat = 0.5 / 0.5 = 1, v_hat = 0.2 / 0.2 = 1: p = 1 - 0.1 / (1 + eps).
    step 2: m = 0.25 + 0.5 * 2 = 1.25, v = 0.16 + 0.2 * 4 = 0.96; m_hat = 1.25 / (1 - 0.25) = 5/3,
    v_hat = 0.96 / (1 - 0.64) = 8/3: p -= 0.1 * (5/3) / (sqrt(8/3) + eps) = 0.1 * 1.0206207...
    (the default betas give 0.8035 after step 2; beta2 = 0.999 alone 0.7946, beta1 = 0.9 alone 0.8065)."""
    p = np.array([1.0])
    opt = make_optimizer("adam", p, 0.1, beta1=0.5, beta2=0.8)
    opt.step(np.array([1.0]))
    assert p[0] == pytest.approx(0.900000001, rel=1e-12)
    opt.step(np.array([2.0]))
    assert p[0] == pytest.approx((1 - 0.1 / (1 + 1e-8)) - 0.1 * (5 / 3) / (np.sqrt(8 / 3) + 1e-8), rel=1e-12)
    assert p[0] == pytest.approx(0.797937929, rel=1e-9)   # the same, written out


# ---------------------------------------------------------------------------------------------
# damaged and hostile model files: a ModelFileError naming the file, never a traceback or a
# MemoryError (the deflate bomb, measured in a child process, is in test_memory_bombs.py)


def _saved_model(tmp_path):
    net = Network(Architecture((784, 12, 10)), rng=np.random.default_rng(3))
    path = tmp_path / "model.npz"
    save_model(net, path, extra_params={"best": net.params})
    return path


def _damaged(tmp_path, how):
    from fixtures.hostile import npy_bytes, npy_header, stored, write_zip

    path = _saved_model(tmp_path)
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "bit-flipped":
        data[len(data) // 2] ^= 0x04  # inside the parameters: only the CRC can tell
        path.write_bytes(bytes(data))
    elif how == "text":
        path.write_text("epoch,loss\n1,0.5\n")
    else:
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        members = [stored(f"{k}.npy", npy_bytes(v)) for k, v in arrays.items() if k != "params"]
        if how == "member-not-npy":
            members.append(stored("params.npy", b"PK not an array at all" * 20))
        elif how == "huge-declared-shape":
            members.append(stored("params.npy", npy_header((10**12,), np.float32) + bytes(400)))
        elif how == "shape-not-the-architecture":
            members.append(stored("params.npy", npy_bytes(np.zeros(100, np.float32))))
        path.unlink()
        write_zip(path, members)
    return path


@pytest.mark.parametrize("how, phrase", [
    ("truncated", "not a readable .npz (truncated or damaged zip)"),
    ("bit-flipped", "damaged"),
    ("text", "is a text file, not an .npz"),
    ("member-not-npy", "params is not a .npy array"),
    ("huge-declared-shape", "(1000000000000,)"),
    ("shape-not-the-architecture", "needs 9550"),
])
def test_damaged_model_files_are_refused_with_the_reason(tmp_path, how, phrase):
    path = _damaged(tmp_path, how)
    with pytest.raises(ModelFileError) as ei:
        load_model(path)
    message = str(ei.value)
    assert message.startswith(str(path)) and "\n" not in message and phrase in message, message


@pytest.mark.parametrize("how", ["truncated", "bit-flipped", "member-not-npy", "huge-declared-shape"])
def test_evaluate_on_a_damaged_model_says_why_in_one_line(tmp_path, how):
    import subprocess
    import sys

    path = _damaged(tmp_path, how)
    proc = subprocess.run([sys.executable, "-m", "tui_nn", "evaluate", str(path), "--dataset", "mnist-sample"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], proc.stderr


def test_a_fifo_is_not_a_model_file(tmp_path):
    import os

    os.mkfifo(tmp_path / "model.npz")
    with pytest.raises(ModelFileError, match="is a FIFO, not a file"):
        load_model(tmp_path / "model.npz")
