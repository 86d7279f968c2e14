from .captions import CaptionTokenizer, CocoCaptionDataset, TokenizeCaption
from .device_aug import DeviceViewGeometry
from .fh_masks import LoadFHMask, ViewMasks, write_fh_masks
from .patches import ColorChannelDrop, PatchGrid, RelativePatchPair
from .subset import SubsetDataset
from .synthetic import make_synthetic_datasets
from .transforms import fix_mmcv_adjust_hue
from .unlabeled import UnlabeledImageDataset
from .views import MultiViewWithGeometry, RandomResizedCropWithBox

# mmcv 2.1.0's adjust_hue overflows under numpy 2 for negative hue factors;
# every pipeline that jitters hue (MoCo v2's ColorJitter) goes through it.
fix_mmcv_adjust_hue()

__all__ = [
    'CaptionTokenizer', 'CocoCaptionDataset', 'TokenizeCaption',
    'UnlabeledImageDataset', 'make_synthetic_datasets', 'fix_mmcv_adjust_hue',
    'RandomResizedCropWithBox', 'MultiViewWithGeometry', 'DeviceViewGeometry',
    'SubsetDataset', 'ColorChannelDrop', 'PatchGrid', 'RelativePatchPair',
    'LoadFHMask', 'ViewMasks', 'write_fh_masks'
]
