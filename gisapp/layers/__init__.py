"""Map rendering with QtGui only (QPainter, QImage): views, layers and render_map; no widgets."""

from gisapp.layers.pyside_none import protect_none

protect_none()  # every window, test, script and benchmark draws through this package
