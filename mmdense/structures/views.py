"""Where the views of an image come from, and which of their cells match.

Conventions (as recorded by :class:`mmdense.datasets.MultiViewWithGeometry`):

* boxes are ``(N, 4)`` ``[x0, y0, x1, y1]`` in pixel-edge coordinates of the
  source image (the crop of columns 10..29 has ``x0 = 10, x1 = 30``);
* a view is its box resized to the view size, then mirrored left-right when
  its flip is True; a feature map of a view has the view's orientation;
* normalised coordinates are ``[0, 1]`` across a box, *before* the flip
  (0 is the box's left edge whether or not the view was flipped).

Everything is batched over N (no Python loop over the batch).
"""
from typing import Sequence

import torch
from torch import Tensor

__all__ = ['GEOMETRY_META_KEYS', 'views_geometry', 'host_to_device']

# what MultiViewWithGeometry records per sample and PackInputs must keep
GEOMETRY_META_KEYS = ('view_boxes', 'view_flips', 'view_sizes')


def views_geometry(data_samples: Sequence, device=None) -> dict:
    """Stack the views' geometry of a batch of ``DataSample``.

    Returns ``dict(boxes=(V, N, 4) float, flips=(V, N) bool, sizes=[(h, w)]
    * V)``: ``boxes[v]`` / ``flips[v]`` are view v's boxes / flips for the
    batch; the view sizes are the same for every sample.  When the samples
    carry their ``ori_shape`` (the source image the boxes are in), the dict
    also has ``image_sizes``: ``(N, 2)`` float ``(h, w)``; when they carry
    ``view_masks`` (DetCon's FH masks per view), ``masks``: ``(V, N, h, w)``
    long.
    """
    try:
        boxes = [s.view_boxes for s in data_samples]
        flips = [s.view_flips for s in data_samples]
        sizes = [[tuple(hw) for hw in s.view_sizes] for s in data_samples]
    except AttributeError as err:
        raise KeyError(
            'data samples carry no view geometry: build the views with '
            "MultiViewWithGeometry and pack them with PackInputs(meta_keys="
            "(..., 'view_boxes', 'view_flips', 'view_sizes')).") from err
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f'view sizes differ within the batch: {sizes}')
    boxes = host_to_device(torch.tensor(boxes, dtype=torch.float32), device)
    flips = host_to_device(torch.tensor(flips, dtype=torch.bool), device)
    out = dict(
        boxes=boxes.transpose(0, 1).contiguous(),
        flips=flips.t().contiguous(),
        sizes=sizes[0])
    if all('ori_shape' in s for s in data_samples):
        shapes = [tuple(s.ori_shape)[:2] for s in data_samples]
        out['image_sizes'] = host_to_device(
            torch.tensor(shapes, dtype=torch.float32), device)
    if all('view_masks' in s for s in data_samples):
        masks = torch.stack(
            [torch.as_tensor(s.view_masks) for s in data_samples], dim=1)
        out['masks'] = host_to_device(masks, device).long()
    return out


def host_to_device(t: Tensor, device=None) -> Tensor:
    """A CPU tensor on ``device`` without waiting for it: through pinned
    memory, non-blocking, on a CUDA device (a plain copy from pageable
    memory would wait for the queued kernels); as is on the CPU."""
    if device is None or torch.device(device).type == 'cpu':
        return t
    return t.pin_memory().to(device, non_blocking=True)
