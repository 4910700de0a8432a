"""Query pools for a copier who lacks the victim's training data: mixes of digits, random pixels, natural images.

Every pool returns an (n, 64) array of 8 x 8 images with pixels in [0, 1], like :func:`digits.load_digit_split`.
"""

from __future__ import annotations

import numpy as np

from distillbook.distillation.digits import IMAGE_SIDE

DIGIT_LEVELS = 16  # the digits' pixels are whole numbers 0..16 (scaled to [0, 1] by dividing by 16)


def mixed_pool(inputs: np.ndarray, size: int, seed: int = 0, low: float = 0.25, high: float = 0.75) -> np.ndarray:
    """Return ``size`` convex mixes ``w * a + (1 - w) * b`` of two random rows of ``inputs``, w uniform in [low, high].

    Images between two digits, built from the rows given (the chapter passes the teacher's training images).
    """
    if size < 1 or not 0.0 <= low <= high <= 1.0:
        raise ValueError("size must be at least 1 and 0 <= low <= high <= 1")
    generator = np.random.default_rng(seed)
    first = generator.integers(0, len(inputs), size)
    second = generator.integers(0, len(inputs), size)
    weights = generator.uniform(low, high, (size, 1))
    return weights * inputs[first] + (1.0 - weights) * inputs[second]


def random_pool(size: int, features: int = IMAGE_SIDE * IMAGE_SIDE, seed: int = 0) -> np.ndarray:
    """Return ``size`` images of independent uniform pixels in [0, 1]: queries with no task data at all."""
    if size < 1 or features < 1:
        raise ValueError("size and features must be at least 1")
    return np.random.default_rng(seed).uniform(0.0, 1.0, (size, features))


def natural_patch_pool(size: int, seed: int = 0, patch_side: int = 32) -> np.ndarray:
    """Return ``size`` grey 8 x 8 patches of scikit-learn's two bundled photographs, in the digits' pixel range.

    Each patch is a random ``patch_side`` square of a random photograph (``load_sample_images``, shipped inside
    scikit-learn, no download), turned grey (channel mean), averaged down to 8 x 8 blocks, mapped from 0..255
    to the digits' whole levels 0..16 and divided by 16. Images the teacher never saw, of no digit at all.
    """
    if size < 1 or patch_side < IMAGE_SIDE or patch_side % IMAGE_SIDE:
        raise ValueError(f"size must be at least 1 and patch_side a multiple of {IMAGE_SIDE}")
    from sklearn.datasets import load_sample_images  # here: importing scikit-learn takes about a second

    photographs = [image.mean(axis=2) for image in load_sample_images().images]
    generator = np.random.default_rng(seed)
    block = patch_side // IMAGE_SIDE
    patches = np.empty((size, IMAGE_SIDE * IMAGE_SIDE))
    for index in range(size):
        grey = photographs[generator.integers(len(photographs))]
        top = generator.integers(0, grey.shape[0] - patch_side + 1)
        left = generator.integers(0, grey.shape[1] - patch_side + 1)
        patch = grey[top : top + patch_side, left : left + patch_side]
        small = patch.reshape(IMAGE_SIDE, block, IMAGE_SIDE, block).mean(axis=(1, 3))
        patches[index] = np.round(small / 255.0 * DIGIT_LEVELS).ravel() / DIGIT_LEVELS
    return patches
