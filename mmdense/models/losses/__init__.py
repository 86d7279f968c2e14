from .contrastive import info_nce, soft_cross_entropy

__all__ = ['info_nce', 'soft_cross_entropy']
