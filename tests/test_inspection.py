"""The inspection logic (NumPy only): grid renderers, the mistakes list, the confusion
matrix, MNIST-style preprocessing of drawings, and building InspectionData."""

from __future__ import annotations


import numpy as np
import pytest

from tui_nn.inspection import (
    ASCII_RAMP, InspectionData, Outcomes, confusion_matrix, filter_indices, inspection_data_from,
    inspection_data_from_run, mnist_preprocess, order_indices, recall_precision, render_ascii,
    render_ascii_half, render_blocks, render_weights_ascii, render_weights_ascii_half,
    render_weights_blocks, summary_line, top_confusions, weight_levels,
)
from tui_nn.inspection.preprocess import centre_of_mass, resize_area
from tui_nn.inspection.renderers import NEGATIVE, POSITIVE


# ---------------------------------------------------------------- renderers
def known_image() -> np.ndarray:
    img = np.zeros((28, 28), np.uint8)
    img[4:8, 10:14] = 255      # a 4x4 black square
    img[10, 5] = 128           # a mid grey pixel on an even row (top of a half-height cell)
    img[13, 20] = 255          # a black pixel on an odd row (bottom of a half-height cell)
    return img


def test_ascii_renders_each_pixel_twice_with_the_ramp():
    rows = render_ascii(known_image())
    assert len(rows) == 28 and {len(r) for r in rows} == {56}
    expected = [" " * 56] * 28
    for r in range(4, 8):
        expected[r] = " " * 20 + "@" * 8 + " " * 28
    expected[10] = " " * 10 + "++" + " " * 44
    expected[13] = " " * 40 + "@@" + " " * 14
    assert rows == expected


def test_ascii_ramp_levels():
    img = np.zeros((28, 28))
    img[0, :10] = (np.arange(10) + 0.5) / 10    # the middle of each of the ten levels
    assert render_ascii(img)[0] == "".join(c + c for c in ASCII_RAMP) + " " * 36
    assert ASCII_RAMP.isascii() and ASCII_RAMP[0] == " "


def test_half_height_ascii_marks_top_bottom_and_both():
    rows = render_ascii_half(known_image())
    assert len(rows) == 14 and {len(r) for r in rows} == {28}
    expected = [" " * 28] * 14
    expected[2] = expected[3] = " " * 10 + "@@@@" + " " * 14   # both pixels black
    expected[5] = " " * 5 + "'" + " " * 22                      # top only, light grey
    expected[6] = " " * 20 + "o" + " " * 7                       # bottom only, black
    assert rows == expected
    assert all(row.isascii() for row in rows)


def test_half_blocks_give_upper_and_lower_grey():
    cells = render_blocks(known_image())
    assert len(cells) == 14 and {len(r) for r in cells} == {28}
    assert cells[2][10] == (255, 255)
    assert cells[5][5] == (128, 0)
    assert cells[6][20] == (0, 255)
    assert cells[0][0] == (0, 0)


def test_flat_784_and_float_images_render_like_uint8():
    img = known_image()
    assert render_ascii(img.ravel()) == render_ascii(img)
    assert render_ascii_half(img.astype(np.float32) / 255) == render_ascii_half(img)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((27, 28), np.uint8), r"shape \(28, 28\) or \(784,\), got \(27, 28\)"),
    (np.zeros(785, np.uint8), r"shape \(28, 28\) or \(784,\), got \(785,\)"),
    (np.full((28, 28), 1.5), r"values in \[0, 1\], got 1.5..1.5"),
    (np.full((28, 28), -0.1), r"values in \[0, 1\]"),
    (np.zeros((28, 28), np.int64), r"uint8 \(0..255\) or float \(0..1\), got dtype int64"),
    (np.full((28, 28), np.nan), "NaN or infinity"),
])
@pytest.mark.parametrize("render", [render_ascii, render_ascii_half, render_blocks])
def test_bad_images_are_refused_with_a_clear_message(render, bad, message):
    with pytest.raises(ValueError, match=message):
        render(bad)


def test_weights_show_their_sign_without_colour():
    w = np.zeros((28, 28))
    w[0, 0], w[0, 1], w[0, 2], w[0, 3] = 1.0, -1.0, 0.5, -0.2
    w[0, 4] = 0.05                        # below the first step: blank
    levels = weight_levels(w)
    assert levels[0, :5].tolist() == [3, -3, 2, -1, 0]
    row = render_weights_ascii(w)[0]
    assert row[:10] == "##==**--  "
    assert not set(POSITIVE) & set(NEGATIVE)
    half = render_weights_ascii_half(w)   # rows 0 and 1 averaged: half the strength
    assert half[0][:4] == "*~+ " and len(half) == 14   # -0.1 falls below the first step
    blocks = render_weights_blocks(w)
    assert blocks[0][0] == (1.0, 0.0) and blocks[0][1] == (-1.0, 0.0)
    with pytest.raises(ValueError, match="weights must have shape"):
        render_weights_ascii(np.zeros(10))


# ------------------------------------------------------------------ mistakes
@pytest.fixture(scope="module")
def random_outcomes():
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(500, 10)) * 3
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = rng.integers(0, 10, 500)
    return proba, labels


def test_mistakes_match_a_brute_force_count(random_outcomes):
    proba, labels = random_outcomes
    out = Outcomes(proba, labels)
    wrong = [i for i in range(len(labels)) if max(range(10), key=lambda c: proba[i, c]) != labels[i]]
    assert out.n_wrong == len(wrong)
    assert filter_indices(out, "wrong").tolist() == wrong
    assert len(filter_indices(out, "correct")) == len(labels) - len(wrong)
    assert len(filter_indices(out, "all")) == len(labels)
    pair = [i for i in wrong if labels[i] == 3 and np.argmax(proba[i]) == 5]
    assert filter_indices(out, "wrong", true=3, predicted=5).tolist() == pair
    assert filter_indices(out, "all", predicted=2).tolist() == [i for i in range(500) if np.argmax(proba[i]) == 2]
    with pytest.raises(ValueError, match="show must be one of"):
        filter_indices(out, "some")


def test_orders(random_outcomes):
    out = Outcomes(*random_outcomes)
    rows = filter_indices(out, "wrong")
    conf = out.confidence
    confident = order_indices(out, rows, "confident")
    assert sorted(confident.tolist()) == rows.tolist()
    assert np.all(np.diff(conf[confident]) <= 0)
    assert np.all(np.diff(conf[order_indices(out, rows, "least")]) >= 0)
    assert order_indices(out, rows[::-1], "index").tolist() == rows.tolist()
    by_true = order_indices(out, rows, "true")
    assert np.all(np.diff(out.labels[by_true]) >= 0)


def test_confusion_matrix_recall_precision(random_outcomes):
    proba, labels = random_outcomes
    predicted = proba.argmax(1)
    cm = confusion_matrix(labels, predicted, 10)
    brute = np.zeros((10, 10), int)
    for t, p in zip(labels, predicted):
        brute[t, p] += 1
    np.testing.assert_array_equal(cm, brute)
    recall, precision = recall_precision(cm)
    for c in range(10):
        assert recall[c] == pytest.approx(np.mean(predicted[labels == c] == c))
        assert precision[c] == pytest.approx(np.mean(labels[predicted == c] == c))
    top = top_confusions(cm, 3)
    off = sorted(((brute[t, p], t, p) for t in range(10) for p in range(10) if t != p), key=lambda x: (-x[0], x[1], x[2]))
    assert top == [(t, p, n) for n, t, p in off[:3]]
    r, p = recall_precision(np.array([[0, 0], [0, 2]]))
    assert np.isnan(r[0]) and np.isnan(p[0]) and r[1] == p[1] == 1.0


def test_summary_line():
    assert summary_line(137, 10_000) == "137 / 10,000 wrong, 98.63% accurate"
    assert summary_line(0, 0) == "no test images"


# ---------------------------------------------------------------- preprocess
def ink_box(img: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_preprocess_fits_20x20_and_centres_the_mass():
    canvas = np.zeros((28, 28))
    canvas[1, 2:10] = 1.0                        # a small "7" in the top-left corner:
    for r in range(2, 12):                       # its bar and its slanted stroke
        canvas[r, 9 - r // 2] = 1.0
    out = mnist_preprocess(canvas)
    assert out.shape == (28, 28) and out.dtype == np.uint8 and out.max() == 255
    h, w = ink_box(out > 0)
    assert max(h, w) == 20 and h <= 20 and w <= 20
    cy, cx = centre_of_mass(out.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_very_lopsided_ink_stays_inside_the_field():
    canvas = np.zeros((28, 28))
    canvas[1:9, 2:5] = 1.0           # a tall stroke with a long thin foot: the centre of
    canvas[8, 2:12] = 1.0            # mass sits far left, centring it would cut the foot
    out = mnist_preprocess(canvas)
    assert ink_box(out > 0) == (16, 20)   # 8x10 scaled by 2, none of it cut off


def test_preprocess_keeps_aspect_ratio_and_anti_aliases():
    canvas = np.zeros((28, 28), np.uint8)
    canvas[5:26, 10:17] = 255          # 21 tall, 7 wide: scaled by 20/21
    out = mnist_preprocess(canvas)
    h, w = ink_box(out > 0)
    assert h == 20 and w in (7, 8)     # 7 * 20/21 = 6.7 -> 7 pixels, partly covered
    diagonal = np.eye(28)[:, ::-1] > 0
    grey = mnist_preprocess(diagonal)
    assert np.any((grey > 0) & (grey < 255))     # grey edges, not a binary image


def test_preprocess_of_a_centred_mnist_digit_changes_little(inspection_model):
    _, dataset = inspection_model
    digit = dataset.x_test[0].reshape(28, 28)
    out = mnist_preprocess(digit)
    cy, cx = centre_of_mass(out.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert np.array_equal(mnist_preprocess(np.zeros((28, 28))), np.zeros((28, 28), np.uint8))
    with pytest.raises(ValueError, match="2-D"):
        mnist_preprocess(np.zeros(784))


def test_resize_area_keeps_the_mean():
    img = np.random.default_rng(0).random((13, 9))
    out = resize_area(img, 20, 7)
    assert out.shape == (20, 7)
    assert out.mean() == pytest.approx(img.mean())


def test_drawn_digits_are_classified_as_well_as_test_digits(inspection_model):
    """Binary drawings (test digits thresholded, as a mouse draws them), prepared like
    MNIST, are classified about as accurately as the original test digits."""
    network, dataset = inspection_model
    x, y = dataset.x_test, dataset.y_test
    original = np.mean(network.predict(x) == y)
    drawn = np.stack([mnist_preprocess(d.reshape(28, 28) >= 128).ravel() for d in x])
    assert np.mean(network.predict(drawn) == y) >= original - 0.03


# ----------------------------------------------------------- InspectionData
def test_inspection_data_from_a_live_network(inspection_model):
    network, dataset = inspection_model
    data = inspection_data_from(network, dataset)
    np.testing.assert_array_equal(data.proba, network.predict_proba(dataset.x_test))
    assert data.outcomes.n_wrong == int(np.sum(network.predict(dataset.x_test) != dataset.y_test))
    assert data.class_names == dataset.class_names and data.images is dataset.x_test
    assert data.first_layer_weights().shape == (784, 32)
    with pytest.raises(ValueError, match="images must be"):
        InspectionData(proba=data.proba, labels=data.labels, images=np.zeros((3, 784), np.uint8))


def test_inspection_data_from_a_run_folder(tmp_path):
    from tui_nn.datasets import load_embedded_sample
    from tui_nn.runs import Runner, RunStore
    from tui_nn.training import TrainConfig

    dataset = load_embedded_sample()
    runner = Runner.new(TrainConfig(hidden=(16,), epochs=1, seed=1), dataset, store=RunStore(tmp_path))
    result, path = runner.run(), runner.path
    data = inspection_data_from_run(path)
    assert data.notes == []
    np.testing.assert_allclose(data.proba, result.network.predict_proba(dataset.x_test), atol=1e-6)
    assert data.images is not None and data.network is not None
    np.testing.assert_array_equal(data.network.params, result.network.params)
    (path / "predictions.npz").unlink()
    with pytest.raises(ValueError, match="no predictions.npz"):
        inspection_data_from_run(path)

