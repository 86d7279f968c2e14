"""The conventions shared by ``datasets/``, ``models/`` and the tools: how a
view's geometry is recorded and moved to the device, the overlap of two views,
and shared constants.  Imports nothing else from mmdense."""
from .constants import EOT, OTHER_IMAGE, PAD, SOT, SPECIALS, UNK
from .masks import majority_cells, pool_masks
from .overlap import (align_to_overlap, cell_centers, distance_positives,
                      match_cells, overlap_coords, pixpro_coords)
from .views import GEOMETRY_META_KEYS, host_to_device, views_geometry

__all__ = [
    'GEOMETRY_META_KEYS', 'views_geometry', 'host_to_device', 'overlap_coords',
    'align_to_overlap', 'cell_centers', 'match_cells', 'pixpro_coords',
    'distance_positives', 'majority_cells', 'pool_masks', 'OTHER_IMAGE',
    'SPECIALS', 'PAD', 'UNK', 'SOT', 'EOT'
]
