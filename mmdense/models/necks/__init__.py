from .fcn_decoder import FCNDecoder

__all__ = ['FCNDecoder']
