"""The CPU half of device-side augmentation (:class:`DeviceViewGeometry`);
the device half is
:class:`mmdense.models.data_preprocessors.DeviceAugDataPreprocessor`,
whose module documents the pair."""
import mmcv
import numpy as np
from mmcv.transforms import RandomFlip

from mmdense.registry import TRANSFORMS
from .views import MultiViewWithGeometry


@TRANSFORMS.register_module()
class DeviceViewGeometry(MultiViewWithGeometry):
    """The CPU half of device-side augmentation: draws the views' crop boxes
    and flips exactly as :class:`MultiViewWithGeometry` with the same view
    pipelines would (same code, same numpy draws), records ``view_boxes`` /
    ``view_flips`` / ``view_sizes``, and leaves the pixels alone except for
    rescaling the source (longer side at most ``source_size``) and padding it
    (edge pixels repeated) to ``source_size`` x ``source_size`` so that a
    batch stacks.
    ``source_scale`` (rescaled / source pixels) is recorded too.

    The pixel operations of the view pipelines do not run here; give their
    parameters to
    :class:`~mmdense.models.data_preprocessors.DeviceAugDataPreprocessor`.
    The random stream
    matches :class:`MultiViewWithGeometry`'s when the view pipelines hold
    only the crop and the flip (photometric transforms draw in between on
    the CPU; here they draw on the device).

    Args:
        transforms, num_views, min_overlap, max_tries: as for
            :class:`MultiViewWithGeometry`.
        source_size (int): side of the padded square. Defaults to 640 (the
            longer side of COCO images).
    """

    def __init__(self, *args, source_size: int = 640, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source_size = source_size
        self.view_flips = [
            next((t for t in p if isinstance(t, RandomFlip)), None)
            for p in self.transforms
        ]

    def transform(self, results: dict) -> dict:
        img = results['img']
        boxes = self._sample_boxes(img)
        results['view_boxes'] = [[float(int(round(v))) for v in box]
                                 for box in boxes]
        results['view_flips'] = [
            flip is not None and flip._choose_direction() is not None
            for flip in self.view_flips
        ]
        results['view_sizes'] = [tuple(crop.scale) for crop in self.crops]
        h, w = img.shape[:2]
        scale = min(1.0, self.source_size / max(h, w))
        if scale < 1:
            img = mmcv.imresize(
                img, (round(w * scale), round(h * scale)),
                interpolation='bilinear')
        # edge padding: bilinear samples at the image border see the border
        # pixels (as when cropping the unpadded image), not zeros
        pad = ((0, self.source_size - img.shape[0]),
               (0, self.source_size - img.shape[1]), (0, 0))
        padded = np.pad(img, pad, mode='edge')
        results['img'] = padded
        results['img_shape'] = padded.shape[:2]
        results['source_scale'] = scale
        return results
