"""The affine and elastic augmenters on known images and on the real sample: identity,
where a known rotation or translation puts a pixel, bilinear weights, range and dtype,
determinism from the seed, and resuming a run that augments."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.training import TrainConfig, Trainer
from tui_nn.training.augment import (
    AUGMENTS,
    DistortionAugmenter,
    forward_matrices,
    make_augmenter,
)

SIDE = 28


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def one_pixel(row: int, col: int, value: int = 200) -> np.ndarray:
    image = np.zeros((1, SIDE * SIDE), np.uint8)
    image[0, row * SIDE + col] = value
    return image


def warp(images, degrees=0.0, scale=1.0, shear=0.0, shift=(0.0, 0.0), field=None):
    n = len(images)
    out = np.empty_like(images)
    DistortionAugmenter(n).warp(images, out, np.full(n, degrees), np.full(n, scale), np.full(n, shear),
                                np.tile(np.asarray(shift, float), (n, 1)), field)
    return out.reshape(n, SIDE, SIDE) if n > 1 else out.reshape(SIDE, SIDE)


def test_identity_parameters_give_the_image_back_exactly(sample):
    images = sample.x_train[:50]
    np.testing.assert_array_equal(warp(images).reshape(50, -1), images)
    zero_field = np.zeros((50, 2, SIDE, SIDE), np.float32)
    np.testing.assert_array_equal(warp(images, field=zero_field).reshape(50, -1), images)


def test_a_quarter_turn_moves_a_pixel_right_of_centre_to_above_it():
    """The centre is (13.5, 13.5). Row 13, col 20 is (-0.5, +6.5) from it; turning 90 degrees
    anticlockwise (as displayed) puts it at (-6.5, -0.5): row 7, col 13."""
    out = warp(one_pixel(13, 20), degrees=90)
    assert out[7, 13] == 200
    assert np.count_nonzero(out) == 1
    # and clockwise: (+6.5, +0.5) -> row 20, col 14
    assert warp(one_pixel(13, 20), degrees=-90)[20, 14] == 200


def test_a_translation_moves_a_pixel_by_whole_pixels_and_splits_it_between_two_at_half():
    out = warp(one_pixel(10, 10), shift=(2, -3))
    assert out[12, 7] == 200 and np.count_nonzero(out) == 1
    half = warp(one_pixel(10, 10), shift=(0, 0.5))
    assert half[10, 10] == 100 and half[10, 11] == 100 and np.count_nonzero(half) == 2


def test_scale_and_shear_follow_their_matrices():
    """Scale 3 triples the distance from the centre: row 14, col 14 is (+0.5, +0.5) from it and
    lands at (+1.5, +1.5), row 15, col 15 (the source pixel is spread over the 3x3 it covers)."""
    assert warp(one_pixel(14, 14), scale=3)[15, 15] == 200
    # shear 1: col += row (relative to the centre): (+2.5, +0.5) -> (+2.5, +3.0) -> between cols 16 and 17
    np.testing.assert_allclose(forward_matrices(0.0, 1.0, 1.0), [[1, 0], [1, 1]])
    sheared = warp(one_pixel(16, 14), shear=1.0)
    assert sheared[16, 16] == 100 and sheared[16, 17] == 100


def test_random_distortions_keep_uint8_range_and_ink(sample):
    images = sample.x_train[:200]
    for name in ("affine", "elastic"):
        out = np.empty_like(images)
        result = make_augmenter(name, 200).apply(images, np.random.default_rng(0), out)
        assert result.dtype == np.uint8 and result.shape == images.shape
        assert not np.array_equal(result, images)
        # a few degrees, +-12% scale and 2 pixels keep the digit on the canvas: ink within 30%
        ratio = result.astype(float).sum(axis=1) / images.astype(float).sum(axis=1)
        assert 0.7 < np.median(ratio) < 1.3, name
        assert result.max() <= 255 and result.max() > 200


def test_the_seed_replays_the_distortion_and_another_seed_does_not(sample):
    images = sample.x_train[:64]
    for name in ("affine", "elastic"):
        a, b, c = (np.empty_like(images) for _ in range(3))
        make_augmenter(name, 64).apply(images, np.random.default_rng(5), a)
        make_augmenter(name, 64).apply(images, np.random.default_rng(5), b)
        make_augmenter(name, 64).apply(images, np.random.default_rng(6), c)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_a_smaller_last_batch_uses_the_front_of_the_buffers(sample):
    augmenter = make_augmenter("elastic", 64)
    out = np.empty((64, SIDE * SIDE), np.uint8)
    assert augmenter.apply(sample.x_train[:10], np.random.default_rng(0), out).shape == (10, SIDE * SIDE)


def test_every_augment_choice_builds():
    assert set(AUGMENTS) == {"none", "shift", "affine", "elastic"}
    assert make_augmenter("none", 8) is None
    with pytest.raises(ValueError, match="unknown augmentation"):
        make_augmenter("warp", 8)


@pytest.mark.parametrize("augment", ["affine", "elastic"])
def test_continuing_an_augmented_run_equals_one_longer_run(sample, augment):
    config = TrainConfig(hidden=(16,), epochs=2, batch_size=128, optimizer="adam", lr=3e-3, augment=augment)
    whole = Trainer(config.with_changes(epochs=2), sample).run()
    first = Trainer(config.with_changes(epochs=1), sample).run()
    second = Trainer(config.with_changes(epochs=1), sample, network=first.network, history=first.history,
                     resume_state=first.resume_state).run()
    assert whole.status == second.status == "finished"
    np.testing.assert_array_equal(whole.network.params, second.network.params)
    assert whole.history.val_acc.iloc[-1] > 0.7


def test_the_preview_command_draws_originals_beside_augmented_copies(sample):
    import subprocess
    import sys

    from tui_nn.inspection.augment_preview import augmented_examples
    from tui_nn.inspection.renderers import render_ascii_half

    proc = subprocess.run([sys.executable, "-m", "tui_nn", "datasets", "preview", "--augment", "elastic",
                           "--images", "2", "--variants", "2", "--seed", "3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "mnist-sample, --augment elastic (seed 3):"
    assert lines[2].startswith(f"original ({sample.y_train[0]})") and "augmented 2" in lines[2]
    # the drawing is the trainer's augmenter with that seed, in half-height ASCII
    examples = augmented_examples(sample.x_train[:2], "elastic", 2, seed=3)
    expected = [render_ascii_half(image.reshape(28, 28)) for image in examples[0]]
    for row, drawn in enumerate(lines[3:17]):
        assert drawn == "  ".join(part[row] for part in expected).rstrip()
    assert not np.array_equal(examples[0, 0], examples[0, 1])
    bad = subprocess.run([sys.executable, "-m", "tui_nn", "datasets", "preview", "--augment", "warp"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "Traceback" not in bad.stderr
