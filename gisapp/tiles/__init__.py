"""Basemap tiles without Qt: Web Mercator tile math, the tile catalogue, a disk cache, MBTiles.

The map layer that draws tiles is ``gisapp.layers.basemap``; fetching them over the network is
``gisapp.ui.tile_fetcher``. Everything here is plain Python and is tested without a display or
a network; ``mbtiles.write_mbtiles`` packs tiles into a file for an offline workstation.
"""
