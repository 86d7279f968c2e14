from .contrastive import (detcon_contrast, info_nce, negative_cosine,
                          pixel_consistency, slot_info_nce, soft_cross_entropy)
from .instance import gather_with_grad, nce_loss, nt_xent
from .other_pretexts import clip_loss, dgi_loss
from .vicreg import nearest_matches, variance_term, vicreg_global, vicreg_local

__all__ = [
    'info_nce', 'slot_info_nce', 'pixel_consistency', 'negative_cosine',
    'detcon_contrast', 'soft_cross_entropy', 'clip_loss', 'dgi_loss',
    'nce_loss', 'nt_xent', 'gather_with_grad', 'vicreg_global', 'vicreg_local',
    'nearest_matches', 'variance_term'
]
