"""Pre-trained weights: key maps, conversion / export, import of official
checkpoints, and loading into fine-tuning models."""
from .convert import (FORMATS, convert_transfer_weights, export_weights,
                      extract_transfer_weights)
from .keymaps import (ConversionError, check_decoder, check_resnet,
                      detectron2_resnet_keys, detectron2_to_mm_fpn, fpn_keys,
                      mm_to_detectron2_fpn_key, resnet_layout,
                      resnet_reference, tv_to_detectron2_key)
from .loading import (PretrainedLoadError, check_pretrained_init_cfgs,
                      key_diff, load_external_checkpoint, load_pretrained,
                      needs_export, read_weights)
from .official import (DEFAULT_SOURCE, METHODS, detect_official_layout,
                       import_official, import_official_file)

__all__ = [
    'FORMATS', 'METHODS', 'DEFAULT_SOURCE', 'ConversionError',
    'convert_transfer_weights', 'export_weights', 'extract_transfer_weights',
    'check_decoder', 'check_resnet', 'detectron2_resnet_keys',
    'detectron2_to_mm_fpn', 'fpn_keys', 'mm_to_detectron2_fpn_key',
    'resnet_layout', 'resnet_reference', 'tv_to_detectron2_key',
    'PretrainedLoadError', 'check_pretrained_init_cfgs', 'key_diff',
    'load_external_checkpoint', 'load_pretrained', 'needs_export',
    'read_weights', 'detect_official_layout', 'import_official',
    'import_official_file'
]
