"""Read rendered QImages as numpy arrays, for pixel assertions."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage


def rgb(image: QImage) -> np.ndarray:
    """(height, width, 3) uint8 red, green, blue."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = rows.reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def color(hex_color: str) -> np.ndarray:
    c = QColor(hex_color)
    return np.array([c.red(), c.green(), c.blue()], np.uint8)


def count(pixels: np.ndarray, hex_color: str, tolerance: int = 0) -> int:
    """How many pixels have this colour (each channel within ``tolerance``)."""
    difference = np.abs(pixels.astype(int) - color(hex_color).astype(int)).max(axis=2)
    return int((difference <= tolerance).sum())


def near(pixel: np.ndarray, hex_color: str, tolerance: int = 2) -> bool:
    return bool(np.abs(pixel.astype(int) - color(hex_color).astype(int)).max() <= tolerance)
