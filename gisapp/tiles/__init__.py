"""Basemap tiles without Qt: Web Mercator tile math, the tile catalogue, a disk cache, MBTiles.

The map layer that draws tiles is ``gisapp.layers.basemap``; fetching them over the network is
``gisapp.ui.tile_fetcher``. Everything here is plain Python, so it can be tested (and used by a
command-line tool that packs a cache into an MBTiles file) without a display.
"""
