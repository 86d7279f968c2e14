"""Two-view augmentation on the device (GPU or CPU), batched.

The CPU workers only decode, draw each view's crop box and flip (so the
geometry the dense methods need is recorded exactly as
:class:`mmdense.datasets.MultiViewWithGeometry` records it) and rescale + pad
the source
image to a fixed square (:class:`mmdense.datasets.DeviceViewGeometry`);
:class:`DeviceAugDataPreprocessor` then does every
pixel operation for the whole batch at once on the model's device:

* crop + resize: ``torchvision.ops.roi_align`` (bilinear, ``aligned=True``,
  adaptive sampling, i.e. averaging over the source pixels of each output
  pixel when shrinking) over the recorded box;
* horizontal flip;
* colour jitter (prob 0.8 in MoCo v2): brightness, contrast, saturation and
  hue with per-image factors and a per-image random order of the four, as
  mmpretrain's ``ColorJitter`` (pillow backend) does;
* grayscale (mmcv's ``RandomGrayscale`` channel weights), Gaussian blur
  (sigma per image, PIL's ``radius``), solarize (threshold 128);
* normalisation (mean / std, BGR -> RGB) as ``SelfSupDataPreprocessor``.

Images stay in mmcv's BGR order until the normalisation.  The functional
ops take float ``(N, 3, H, W)`` tensors in ``[0, 255]`` and per-image
parameters as ``(N,)`` tensors; a factor of 1 (0 for hue) is the identity,
which is how "not applied" is expressed without a sync or a Python loop
over the batch.

Differences from the CPU ops (stated tolerances, checked in
``tests/test_models/test_data_preprocessors/test_device_aug.py`` on smooth
images): brightness, contrast,
saturation and grayscale within 1 level of 255 (PIL and mmcv truncate
to uint8; the CPU chain also rounds between ops), flip and solarize exact;
hue within 1 level on average and 10 at most (mmcv's pillow path converts to
8-bit HSV, so pixel-exact agreement is not possible); Gaussian blur within 1
level on average, 2 at most away from the border
and 8 at the border (PIL approximates the Gaussian with three box blurs); crop
+ resize within 2 levels on average and 12
at most (PIL's bilinear filter with support scaled to the shrink factor vs
``roi_align``'s averaging of bilinear samples).
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.ops import roi_align

from mmdense.registry import MODELS
from mmdense.structures import host_to_device, views_geometry

# luma weights of PIL's 'L' conversion (ITU-R 601-2), in B, G, R order
_PIL_LUMA_BGR = (0.114, 0.587, 0.299)


# ----------------------------------------------------------- functional ops
def _per_image(x: Tensor, f) -> Tensor:
    f = torch.as_tensor(f, dtype=x.dtype, device=x.device)
    return f.reshape(-1, 1, 1, 1) if f.dim() else f


def _luma(x: Tensor, weights=_PIL_LUMA_BGR) -> Tensor:
    w = torch.tensor(weights, dtype=x.dtype, device=x.device)
    return (x * w.view(1, 3, 1, 1)).sum(dim=1, keepdim=True)


def crop_resize(imgs: Tensor, boxes: Tensor, size: Tuple[int, int]) -> Tensor:
    """``(N, C, H, W)`` -> ``(N, C, *size)``: box ``[x0, y0, x1, y1]`` (pixel
    edges) of each image resized (bilinear, averaging when shrinking)."""
    idx = torch.arange(len(imgs), device=imgs.device, dtype=boxes.dtype)
    rois = torch.cat([idx[:, None], boxes.to(imgs.device)], dim=1)
    return roi_align(imgs, rois.to(imgs.dtype), tuple(size), 1.0, -1, True)


def hflip(x: Tensor, flips: Tensor) -> Tensor:
    """Mirror left-right the images where ``flips`` (N,) is True."""
    return torch.where(flips.view(-1, 1, 1, 1), x.flip(-1), x)


def adjust_brightness(x: Tensor, factor) -> Tensor:
    """PIL ``ImageEnhance.Brightness``: blend with black."""
    return (x * _per_image(x, factor)).clamp(0, 255)


def adjust_contrast(x: Tensor, factor) -> Tensor:
    """PIL ``ImageEnhance.Contrast``: blend with the rounded mean luma."""
    mean = (_luma(x).mean(dim=(1, 2, 3), keepdim=True) + 0.5).floor()
    f = _per_image(x, factor)
    return (mean + f * (x - mean)).clamp(0, 255)


def adjust_saturation(x: Tensor, factor) -> Tensor:
    """PIL ``ImageEnhance.Color``: blend with the per-pixel luma."""
    gray = _luma(x)
    return (gray + _per_image(x, factor) * (x - gray)).clamp(0, 255)


def adjust_hue(x: Tensor, factor) -> Tensor:
    """Rotate the hue, in float HSV, by what mmcv's ``adjust_hue(factor)``
    rotates it: ``int(factor * 255)`` steps of its 256-step hue circle
    (``factor`` in [-0.5, 0.5])."""
    b, g, r = (x / 255).unbind(dim=1)
    maxc, _ = torch.stack([r, g, b]).max(dim=0)
    minc, _ = torch.stack([r, g, b]).min(dim=0)
    delta = maxc - minc
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    hr = ((g - b) / safe) % 6
    hg = (b - r) / safe + 2
    hb = (r - g) / safe + 4
    h = torch.where(maxc == r, hr, torch.where(maxc == g, hg, hb))
    h = torch.where(delta > 0, h, torch.zeros_like(h)) / 6
    h = (h + _per_image(x, factor)[:, 0].mul(255).trunc() / 256) % 1.0
    s = torch.where(maxc > 0, delta / torch.where(maxc > 0, maxc, 1.), 0.)
    h6 = h * 6

    def channel(n):  # HSV -> RGB: n = 5 (R), 3 (G), 1 (B)
        k = (n + h6) % 6
        return maxc * (1 - s * torch.minimum(k, 4 - k).clamp(0, 1))

    return torch.stack([channel(1), channel(3), channel(5)], dim=1) * 255


def to_grayscale(x: Tensor, weights=(0.114, 0.587, 0.2989)) -> Tensor:
    """mmcv's ``RandomGrayscale(keep_channels=True)``: weighted channel sum
    (weights normalised, in the image's channel order) on all channels."""
    total = sum(weights)  # on the host: no device round trip
    return _luma(x, [v / total for v in weights]).expand_as(x)


def gaussian_blur(x: Tensor, sigma, max_sigma: float) -> Tensor:
    """Separable Gaussian blur with a per-image ``sigma`` (N,); kernels are
    ``2 * ceil(3 * max_sigma) + 1`` wide, edges replicated; sigma <= 0 is
    the identity."""
    n, c, h, w = x.shape
    radius = int(math.ceil(3 * max_sigma))
    sigma = _per_image(x, sigma).reshape(-1, 1)
    if sigma.numel() == 1:
        sigma = sigma.expand(n, 1)
    pos = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * (pos / sigma.clamp(min=1e-3))**2)
    kernel = kernel / kernel.sum(dim=1, keepdim=True)  # N, K
    kernel = kernel.repeat_interleave(c, dim=0)  # N*C, K
    flat = F.pad(x.reshape(1, n * c, h, w), [radius] * 4, mode='replicate')
    flat = F.conv2d(flat, kernel.view(n * c, 1, 1, -1), groups=n * c)
    flat = F.conv2d(flat, kernel.view(n * c, 1, -1, 1), groups=n * c)
    out = flat.view(n, c, h, w)
    return torch.where(sigma.view(n, 1, 1, 1) > 0, out, x)


def solarize(x: Tensor, threshold: float = 128) -> Tensor:
    """mmcv ``solarize``: ``x if x < threshold else 255 - x``."""
    return torch.where(x < threshold, x, 255 - x)


# ------------------------------------------------------- random parameters
def _uniform(n, lo, hi, device):
    return torch.rand(n, device=device) * (hi - lo) + lo


def _coin(n, p, device):
    return torch.rand(n, device=device) < p


def color_jitter(x: Tensor, brightness: float, contrast: float,
                 saturation: float, hue: float, prob: float) -> Tensor:
    """mmpretrain's ``RandomApply([ColorJitter(b, c, s, h)], prob)`` for a
    batch: per image a coin, four factors and an order of the four ops.
    Each of the four stages applies every op with the identity factor for the
    images whose op at that stage is another one."""
    n, dev = len(x), x.device
    on = _coin(n, prob, dev)
    factors = [
        _uniform(n, 1 - brightness, 1 + brightness, dev),
        _uniform(n, 1 - contrast, 1 + contrast, dev),
        _uniform(n, 1 - saturation, 1 + saturation, dev),
        _uniform(n, -hue, hue, dev)
    ]
    order = torch.rand(n, 4, device=dev).argsort(dim=1)  # a permutation each
    ops = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
    identity = (1., 1., 1., 0.)
    for stage in range(4):
        for k, op in enumerate(ops):
            use = on & (order[:, stage] == k)
            x = op(x, torch.where(use, factors[k], identity[k]))
    return x


# --------------------------------------------------- the device-side half
@MODELS.register_module()
class DeviceAugDataPreprocessor(torch.nn.Module):
    """The device half: per-view crops, flips and photometric augmentation
    of a batch of padded uint8 sources (:class:`DeviceViewGeometry`), then
    normalisation; returns ``dict(inputs=[view0, view1, ...],
    data_samples)`` as ``SelfSupDataPreprocessor`` does.

    Args:
        views (list[dict]): per view: ``color_jitter`` (dict of brightness,
            contrast, saturation, hue, prob; None: off), ``grayscale_prob``,
            ``blur_prob`` and ``blur_sigma`` (range, uniform),
            ``solarize_prob``. Defaults to MoCo v2's for two views.
        mean, std (Sequence[float]): per channel, in RGB order.
        to_rgb (bool): the sources are BGR (mmcv); swap before normalising.
        grayscale_weights: mmcv ``RandomGrayscale`` channel weights, in the
            sources' channel order.
        channels_last (bool): return the views in channels_last layout.
    """
    MOCOV2_VIEW = dict(
        color_jitter=dict(
            brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, prob=0.8),
        grayscale_prob=0.2,
        blur_prob=0.5,
        blur_sigma=(0.1, 2.0),
        solarize_prob=0.)

    def __init__(self,
                 views: Optional[List[dict]] = None,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 to_rgb: bool = True,
                 grayscale_weights=(0.114, 0.587, 0.2989),
                 channels_last: bool = False) -> None:
        super().__init__()
        self.views = [
            dict(self.MOCOV2_VIEW, **v)
            for v in (views if views is not None else [{}, {}])
        ]
        self.register_buffer('mean',
                             torch.tensor(mean).view(1, 3, 1, 1), False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1), False)
        self.to_rgb = to_rgb
        self.grayscale_weights = grayscale_weights
        self.channels_last = channels_last

    def augment(self, x: Tensor, view: dict) -> Tensor:
        """Photometric augmentation of one view's batch (float, 0..255)."""
        n, dev = len(x), x.device
        jitter = view.get('color_jitter')
        if jitter:
            x = color_jitter(x, **jitter)
        if view['grayscale_prob'] > 0:
            gray = to_grayscale(x, self.grayscale_weights)
            x = torch.where(
                _coin(n, view['grayscale_prob'], dev).view(-1, 1, 1, 1), gray,
                x)
        if view['blur_prob'] > 0:
            lo, hi = view['blur_sigma']
            sigma = torch.where(
                _coin(n, view['blur_prob'], dev), _uniform(n, lo, hi, dev), 0.)
            x = gaussian_blur(x, sigma, hi)
        if view['solarize_prob'] > 0:
            x = torch.where(
                _coin(n, view['solarize_prob'], dev).view(-1, 1, 1, 1),
                solarize(x), x)
        return x

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data['data_samples']
        src = data['inputs']
        src = torch.stack(src) if isinstance(src, (list, tuple)) else src
        src = src.to(self.mean.device, non_blocking=True).float()
        geometry = views_geometry(samples, src.device)
        scale = host_to_device(
            torch.tensor([s.source_scale for s in samples]), src.device)
        views = []
        for v, view in enumerate(self.views):
            size = geometry['sizes'][v]
            x = crop_resize(src, geometry['boxes'][v] * scale[:, None], size)
            x = self.augment(x.round().clamp(0, 255), view)
            x = hflip(x, geometry['flips'][v])
            if self.to_rgb:
                x = x.flip(1)
            x = (x - self.mean) / self.std
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            views.append(x)
        return dict(inputs=views, data_samples=samples)
