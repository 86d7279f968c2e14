from .base_dense_head import BaseDenseHead
from .cpc_head import CPCHead
from .densecl_head import DenseCLHead, dense_correspondence
from .detcon_head import DetConHead, byol_mlp
from .dgi_head import DGIHead
from .dim_head import DIMHead
from .moco_head import MoCoHead
from .patch_pair_head import PatchPairHead
from .pixpro_head import PixelPropagation, PixProHead
from .slotcon_head import SemanticGrouping, SlotConHead, slot_presence
from .vicregl_head import VICRegLHead, vicreg_mlp

__all__ = [
    'BaseDenseHead', 'DenseCLHead', 'SlotConHead', 'SemanticGrouping',
    'dense_correspondence', 'slot_presence', 'DIMHead', 'PatchPairHead',
    'DGIHead', 'MoCoHead', 'CPCHead', 'PixProHead', 'PixelPropagation',
    'DetConHead', 'byol_mlp', 'VICRegLHead', 'vicreg_mlp'
]
