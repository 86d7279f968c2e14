from .clip import CLIPPretrain
from .decon import DeCon
from .dense_contrastive import DenseContrastive
from .methods import DenseCL, SlotCon

__all__ = ['DenseContrastive', 'DenseCL', 'SlotCon', 'DeCon', 'CLIPPretrain']
