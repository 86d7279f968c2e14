from .fcn_decoder import FCNDecoder
from .text_encoder import CaptionTransformer

__all__ = ['FCNDecoder', 'CaptionTransformer']
