"""gisapp: desktop GIS for environmental grid supervision (网格化环境监管).

The package root is the Qt-free core; Qt lives only in gisapp.layers (QtGui) and gisapp.ui.
"""

__version__ = "0.1.0"
