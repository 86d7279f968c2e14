from .geometry import (align_to_overlap, cell_centers, match_cells,
                       overlap_coords, views_geometry)

__all__ = [
    'views_geometry', 'overlap_coords', 'align_to_overlap', 'cell_centers',
    'match_cells'
]
