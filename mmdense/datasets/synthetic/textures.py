"""Textures of the synthetic scenes: a class is its shape and its texture,
never its colours."""
import cv2
import numpy as np


def _solid(rng, grid):
    return np.zeros(grid.shape[1:], np.float32)


def _gradient(rng, grid):
    """Vertical gradient (the sky: one colour at the top, one at the
    bottom), slightly tilted."""
    angle = np.pi / 2 + rng.uniform(-0.3, 0.3)
    t = np.cos(angle) * grid[1] + np.sin(angle) * grid[0]
    return (t - t.min()) / max(float(np.ptp(t)), 1.0)


def _stripes_at(angle, rng, grid, period=(3, 8)):
    phase = (np.cos(angle) * grid[1] + np.sin(angle) * grid[0]) / \
        rng.uniform(*period) + rng.uniform(0, 1)
    return (np.sin(2 * np.pi * phase) > 0).astype(np.float32)


def _horizontal_stripes(rng, grid):
    return _stripes_at(np.pi / 2 + rng.uniform(-0.3, 0.3), rng, grid)


def _vertical_stripes(rng, grid):
    return _stripes_at(rng.uniform(-0.3, 0.3), rng, grid)


def _checks(rng, grid):
    period = rng.uniform(6, 12)
    a = np.floor(grid[1] / period) + np.floor(grid[0] / period)
    return (a % 2).astype(np.float32)


def _smooth_noise(rng, grid, cells=(2, 9)):
    height, width = grid.shape[1:]
    n = int(rng.integers(*cells))
    coarse = rng.random((n, n)).astype(np.float32)
    return np.clip(
        cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC), 0,
        1)


def _spots(rng, grid):
    """Fine blotches: thresholded smooth noise of 12-20 cells."""
    return (_smooth_noise(rng, grid, (12, 21)) > 0.55).astype(np.float32)


def _windows(rng, grid):
    """A facade: a lattice of dark windows."""
    px, py = rng.uniform(7, 13), rng.uniform(8, 14)
    return ((grid[1] % px < px * 0.5) & (grid[0] % py < py * 0.5)).astype(
        np.float32)


#: Texture kinds of the stuff regions (ground, building, sky) and of the
#: object classes (person, car, dog, bottle, chair): a class is its shape and
#: its texture, never a colour (colours are drawn at random per region).
_STUFF_TEXTURES = ((_smooth_noise, ), (_windows, ), (_gradient, ))
_CLASS_TEXTURES = ((_horizontal_stripes, ), (_checks, ), (_spots, ),
                   (_vertical_stripes, ), (_solid, ))


def _texture(rng, grid, kinds) -> np.ndarray:
    """(H, W, 3) float texture between two random colours."""
    kind = kinds[int(rng.integers(len(kinds)))]
    colours = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    t = kind(rng, grid)[..., None]
    return colours[0] + t * (colours[1] - colours[0])
