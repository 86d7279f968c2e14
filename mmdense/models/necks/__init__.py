from .fcn_decoder import FCNDecoder
from .res_layer_extra_norm import ResLayerExtraNorm
from .text_encoder import CaptionTransformer

__all__ = ['FCNDecoder', 'CaptionTransformer', 'ResLayerExtraNorm']
