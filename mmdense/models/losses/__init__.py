from .contrastive import info_nce, soft_cross_entropy
from .other_pretexts import clip_loss, dgi_loss

__all__ = [
    'info_nce', 'soft_cross_entropy', 'clip_loss', 'dgi_loss'
]
