from .clip import CLIPPretrain
from .context_prediction import ContextPrediction
from .decon import DeCon
from .deep_infomax import DeepInfoMax
from .dense_contrastive import DenseContrastive
from .methods import DenseCL, SlotCon

__all__ = [
    'DenseContrastive', 'DenseCL', 'SlotCon', 'DeCon', 'CLIPPretrain',
    'DeepInfoMax', 'ContextPrediction'
]
