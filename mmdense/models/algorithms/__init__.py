from .byol import BYOL
from .clip import CLIPPretrain
from .context_prediction import ContextPrediction
from .cpc import CPCv2
from .decon import DeCon
from .deep_infomax import DeepInfoMax
from .dense_contrastive import DenseContrastive
from .densecl import DenseCL
from .detcon import DetCon
from .instdisc import InstDisc
from .moco import MoCo
from .pixpro import PixPro
from .simclr import SimCLR
from .slotcon import SlotCon
from .vicregl import VICRegL

__all__ = [
    'BYOL', 'CLIPPretrain', 'DenseContrastive', 'DenseCL', 'SlotCon', 'PixPro',
    'DetCon', 'VICRegL', 'DeCon', 'InstDisc', 'MoCo', 'SimCLR', 'DeepInfoMax',
    'ContextPrediction', 'CPCv2'
]
