"""Draw what a dense pre-training model matches between two views.

For one image (a synthetic scene by default, or ``--image``) the config's
train pipeline makes two views (with their crop boxes and flips when the
pipeline records them); the model's features of both views are drawn into
one PNG:

* row 0: the two views side by side (titles: crop box, flip);
* then one row per feature level (``model.level_heads()``: ``C5`` for the
  encoder-only methods; ``enc``, ``dec0``, ``dec1``... for DeCon), by the
  level's head:

  - DenseCL head: lines from a subset of view-1 cells to the view-2 cell
    DenseCL matches them with (argmax cosine similarity of the level's
    features, :func:`mmdense.models.heads.dense_correspondence`: student on
    view 1, teacher on view 2, as in training). With the views' geometry,
    green = the match is the cell that truly covers the same source point,
    orange = one cell off, red = wrong, grey = the point is not in view 2;
  - SlotCon head: each view's slot assignment (argmax over the prototypes
    of ``grouping(projector(x))``), one colour per prototype (the same in
    both views), upsampled and blended over the view;
  - another head: the first three principal components of the features as
    colours.

Usage::

    python tools/analysis_tools/visualize_dense.py CONFIG [--checkpoint CKPT]
        [--image IMG] [--seed 0] [--teacher] [--dpi 100] --out OUT.png

Without ``--checkpoint`` the model keeps its random initialisation (the
picture then shows what an untrained network matches, a useful baseline).
The model runs in eval mode (BatchNorm uses its running statistics).
``--teacher`` draws the teacher branch for both views (teacher features and,
for SlotCon, the teacher's projector and prototypes) instead of the student.
The figure has two 3-inch square panels per row: at the default 100 dpi
it is 600 x (300 x rows) pixels, saved as an RGB PNG.
"""
import argparse
import os
import os.path as osp
import random
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from mmdense.utils.cli import add_debug_arg, add_trust_arg, run_cli

# isort: off
import matplotlib

matplotlib.use('Agg')  # before pyplot: no display here
import matplotlib.pyplot as plt  # noqa: E402
# isort: on

PANEL_INCHES = 3  # one square panel per view


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Visualise dense correspondences / slot assignments',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='weights (default: random init)')
    parser.add_argument(
        '--image', help='an image file (default: a synthetic '
        'scene)')
    parser.add_argument(
        '--seed', type=int, default=0, help='scene and augmentation seed')
    parser.add_argument(
        '--teacher',
        action='store_true',
        help='draw the teacher branch instead of the student')
    parser.add_argument(
        '--max-lines',
        type=int,
        default=32,
        help='DenseCL: at most this many matches drawn')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--out', required=True, help='output PNG')
    add_trust_arg(parser, '--checkpoint')
    add_debug_arg(parser)
    return parser.parse_args(argv)


# ------------------------------------------------------------ the views
def find_pipeline(dataset_cfg) -> list:
    """The first ``pipeline`` of a dataset config (looks into
    ``ConcatDataset.datasets`` and wrappers' ``dataset``)."""
    if 'pipeline' in dataset_cfg:
        return dataset_cfg['pipeline']
    children = list(dataset_cfg.get('datasets', []))
    if 'dataset' in dataset_cfg:
        children.append(dataset_cfg['dataset'])
    for child in children:
        found = find_pipeline(child)
        if found is not None:
            return found
    return None


def load_source(image: Optional[str], seed: int) -> dict:
    """The pipeline's input: ``img_path`` for a file, else a synthetic scene
    already loaded (BGR, as ``LoadImageFromFile`` gives)."""
    if image is not None:
        return dict(img_path=image, sample_idx=0)
    from mmdense.datasets.synthetic import render_scene
    bgr = np.ascontiguousarray(render_scene(seed).image[..., ::-1])
    return dict(
        img=bgr,
        img_shape=bgr.shape[:2],
        ori_shape=bgr.shape[:2],
        sample_idx=0)


def make_views(cfg, image: Optional[str], seed: int) -> dict:
    """Run the config's train pipeline on the image: a packed sample
    (``inputs`` = two uint8 CHW BGR tensors, ``data_samples``)."""
    from mmengine.dataset import Compose
    pipeline = list(find_pipeline(cfg.train_dataloader.dataset))
    if image is None and pipeline[0]['type'].endswith('LoadImageFromFile'):
        pipeline = pipeline[1:]
    random.seed(seed)
    np.random.seed(seed)
    packed = Compose(pipeline)(load_source(image, seed))
    if len(packed['inputs']) < 2:
        raise ValueError('the pipeline made fewer than two views')
    return packed


# ------------------------------------------------------------ the model
def build_model(cfg, checkpoint: Optional[str], trust: bool = False):
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from mmdense.utils import load_checkpoint_file
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    if hasattr(model, 'max_iters'):
        model.max_iters = 1
    if checkpoint:
        _load_checkpoint_to_model(
            model, load_checkpoint_file(checkpoint, trust=trust), strict=True)
    return model.eval()


@torch.no_grad()
def level_features(model, packed: dict, teacher: bool) -> Tuple[list, list]:
    """The features ``{level: (1, C, h, w)}`` of both views, twice: as
    DenseCL pairs them (view 1 student, or teacher with ``teacher``; view 2
    teacher) and both from the drawn branch (student, or teacher)."""
    data = dict(
        inputs=[t[None] for t in packed['inputs'][:2]],
        data_samples=[packed['data_samples']])
    inputs = model.data_preprocessor(data, False)['inputs']
    branch = model.teacher_features if teacher else model.student_features
    return [branch(inputs[0]), model.teacher_features(inputs[1])], \
        [branch(inputs[0]), branch(inputs[1])]


# ------------------------------------------------------------- drawing
def view_rgb(tensor: torch.Tensor) -> np.ndarray:
    """uint8 CHW BGR tensor -> HWC RGB array."""
    return tensor.permute(1, 2, 0).numpy()[..., ::-1]


def geometry(packed: dict) -> Optional[dict]:
    sample = packed['data_samples']
    if 'view_boxes' not in sample:
        return None
    from mmdense.structures import views_geometry
    return views_geometry([sample])


def cell_centers(hw: Tuple[int, int], view_hw: Tuple[int, int]) -> np.ndarray:
    """(h*w, 2) pixel (x, y) centers of a feature grid's cells in the view."""
    (h, w), (vh, vw) = hw, view_hw
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([(xs.ravel() + 0.5) * vw / w, (ys.ravel() + 0.5) * vh / h],
                    axis=1)


def draw_correspondence(ax, views: List[np.ndarray], q: torch.Tensor,
                        k: torch.Tensor, geo: Optional[dict],
                        max_lines: int) -> str:
    """DenseCL's matches from view 1 (q) to view 2 (k) on a side-by-side
    canvas; returns the panel title's statistics."""
    from mmdense.models.heads import dense_correspondence
    from mmdense.structures import match_cells
    (hq, wq), (hk, wk) = q.shape[-2:], k.shape[-2:]
    match = dense_correspondence(q.flatten(2).float(),
                                 k.flatten(2).float())[0].numpy()
    vh, vw = views[0].shape[:2]
    gap = max(4, vw // 16)
    canvas = np.full((vh, 2 * vw + gap, 3), 255, np.uint8)
    canvas[:, :vw], canvas[:, vw + gap:] = views[0], views[1]
    ax.imshow(canvas)
    src = cell_centers((hq, wq), (vh, vw))
    dst = cell_centers((hk, wk), views[1].shape[:2]) + [vw + gap, 0]
    truth = None
    if geo is not None:
        truth, _ = match_cells(geo['boxes'][0], geo['flips'][0], (hq, wq),
                               geo['boxes'][1], geo['flips'][1], (hk, wk))
        truth = truth[0].numpy()
    cells = np.linspace(0, hq * wq - 1, min(max_lines, hq * wq)).round()
    stats = dict(ok=0, near=0, inside=0)
    for i in cells.astype(int):
        colour = 'yellow'
        if truth is not None:
            if truth[i] < 0:
                colour = 'grey'
            else:
                dr = abs(truth[i] // wk - match[i] // wk)
                dc = abs(truth[i] % wk - match[i] % wk)
                colour = 'lime' if dr == dc == 0 else (
                    'orange' if max(dr, dc) <= 1 else 'red')
                stats['inside'] += 1
                stats['ok'] += colour == 'lime'
                stats['near'] += colour in ('lime', 'orange')
        ax.plot([src[i, 0], dst[match[i], 0]], [src[i, 1], dst[match[i], 1]],
                '-o',
                color=colour,
                lw=1,
                ms=2.5,
                alpha=0.9)
    ax.axis('off')
    if truth is None:
        return f'{len(cells)} of {hq}x{wq} cells (no view geometry)'
    return (f"{len(cells)} of {hq}x{wq} cells; of {stats['inside']} in the "
            f"overlap: {stats['ok']} exact, {stats['near']} within 1 cell")


def slot_colours(num: int) -> np.ndarray:
    """(num, 3) floats, a fixed colour per prototype."""
    if num <= 20:
        return plt.get_cmap('tab20')(np.arange(num))[:, :3]
    rng = np.random.default_rng(0)
    return plt.get_cmap('hsv')(rng.permutation(num) / num)[:, :3]


def head_branch(head, teacher: bool):
    if teacher:
        return head.teacher_projector, head.teacher_grouping
    return head.projector, head.grouping


@torch.no_grad()
def draw_assignment(ax, view: np.ndarray, feat: torch.Tensor, head,
                    teacher: bool) -> int:
    """SlotCon's argmax prototype per cell, blended over the view; returns
    how many prototypes are used."""
    projector, grouping = head_branch(head, teacher)
    _, scores = grouping(projector(feat))
    owner = scores[0].argmax(dim=0).numpy()
    colours = slot_colours(scores.shape[1])[owner]
    vh, vw = view.shape[:2]
    ax.imshow(view)
    ax.imshow(
        colours, alpha=0.5, extent=(0, vw, vh, 0), interpolation='nearest')
    ax.axis('off')
    return len(np.unique(owner))


def head_num_prototypes(head) -> int:
    return head.grouping.prototypes.num_embeddings


def draw_pca(ax, view: np.ndarray, feat: torch.Tensor) -> None:
    """The features' first three principal components as RGB."""
    c, h, w = feat.shape[1:]
    x = feat[0].flatten(1).t().float()
    x = x - x.mean(0)
    _, _, v = torch.pca_lowrank(x, q=min(3, c, h * w), center=False)
    pcs = (x @ v).numpy()
    pcs = (pcs - pcs.min(0)) / (np.ptp(pcs, 0) + 1e-6)
    pcs = np.concatenate([pcs, np.zeros((h * w, 3 - pcs.shape[1]))], 1)
    vh, vw = view.shape[:2]
    ax.imshow(view)
    ax.imshow(
        pcs.reshape(h, w, 3),
        alpha=0.6,
        extent=(0, vw, vh, 0),
        interpolation='nearest')
    ax.axis('off')


def level_name(level: str) -> str:
    return level or 'C5'


def draw_figure(model, packed: dict, teacher: bool, max_lines: int, dpi: int,
                title: str):
    """The whole figure (see the module docstring)."""
    from mmdense.models.heads import DenseCLHead
    heads: Dict[str, torch.nn.Module] = model.level_heads()
    pair, both = level_features(model, packed, teacher)
    views = [view_rgb(t) for t in packed['inputs'][:2]]
    geo = geometry(packed)
    rows = 1 + len(heads)
    fig = plt.figure(figsize=(2 * PANEL_INCHES, rows * PANEL_INCHES), dpi=dpi)
    grid = fig.add_gridspec(rows, 2)
    branch = 'teacher' if teacher else 'student'
    for v in range(2):
        ax = fig.add_subplot(grid[0, v])
        ax.imshow(views[v])
        ax.axis('off')
        text = f'view {v + 1}'
        if geo is not None:
            box = [round(float(b)) for b in geo['boxes'][v, 0]]
            text += f" box {box}{' flipped' if geo['flips'][v, 0] else ''}"
        ax.set_title(text, fontsize=8)
    for row, (level, head) in enumerate(heads.items(), start=1):
        name = level_name(level)
        if isinstance(head, DenseCLHead):
            ax = fig.add_subplot(grid[row, :])
            stats = draw_correspondence(ax, views, pair[0][level],
                                        pair[1][level], geo, max_lines)
            ax.set_title(
                f'{name}: DenseCL matches, view 1 ({branch}) -> '
                f'view 2 (teacher)\n{stats}',
                fontsize=8)
            continue
        for v in range(2):
            ax = fig.add_subplot(grid[row, v])
            feat = both[v][level]
            if hasattr(head, 'grouping'):
                used = draw_assignment(ax, views[v], feat, head, teacher)
                ax.set_title(
                    f'{name} ({feat.shape[-2]}x{feat.shape[-1]}) '
                    f'view {v + 1}: {branch} slots\n{used} of '
                    f'{head_num_prototypes(head)} prototypes used',
                    fontsize=8)
            else:
                draw_pca(ax, views[v], feat)
                ax.set_title(
                    f'{name} ({feat.shape[-2]}x{feat.shape[-1]}) '
                    f'view {v + 1}: {branch} features\nfirst 3 '
                    'principal components',
                    fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def save_rgb_png(fig, out: str) -> Tuple[int, int]:
    """Save the figure as an RGB (no alpha) PNG at its exact size."""
    from PIL import Image
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(out)
    plt.close(fig)
    return rgba.shape[:2]


def main(argv=None) -> None:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdense.utils import register_all_modules
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    cfg = Config.fromfile(args.config)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmdense'))
    model = build_model(cfg, args.checkpoint, args.trust)
    packed = make_views(cfg, args.image, args.seed)
    weights = osp.basename(args.checkpoint) if args.checkpoint else \
        'random init'
    image = osp.basename(args.image) if args.image else \
        f'synthetic scene {args.seed}'
    fig = draw_figure(
        model, packed, args.teacher, args.max_lines, args.dpi,
        f'{osp.basename(args.config)} ({type(model).__name__},'
        f' {weights}), {image}')
    h, w = save_rgb_png(fig, args.out)
    print(f'wrote {args.out} ({w} x {h} px, levels: '
          f"{', '.join(level_name(k) for k in model.level_heads())})")


if __name__ == '__main__':
    run_cli(main)
