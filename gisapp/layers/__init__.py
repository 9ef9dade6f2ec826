"""Map rendering with QtGui only (QPainter, QImage): views, layers and render_map; no widgets."""
