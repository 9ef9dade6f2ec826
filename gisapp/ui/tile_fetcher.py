"""TileFetcher: fetch missing basemap tiles with QNetworkAccessManager, never blocking the GUI.

A TileLayer asks ``fetch(source, z, x, y, deliver)`` for a tile it has nowhere; the fetcher
queues the request (newest first: after a pan the tiles now in view come before those of
where the map was), keeps a few requests running, stores what arrives in the tile cache and
hands the bytes to ``deliver``. A failed tile is delivered as None and not asked for again
for RETRY_S seconds; failures are otherwise silent, summed into one status-bar note at most
every NOTE_INTERVAL_S seconds (``note``), so an offline workstation just shows no basemap.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QByteArray, QObject, QUrl, Signal
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from gisapp import __version__
from gisapp.i18n import _
from gisapp.tiles.cache import TileCache
from gisapp.tiles.catalogue import TileSource

MAX_ACTIVE = 6  # requests at once (what browsers allow per host)
MAX_QUEUED = 400  # older requests beyond this are dropped (their view is long gone)
RETRY_S = 60.0
NOTE_INTERVAL_S = 10.0
TIMEOUT_MS = 15_000
USER_AGENT = f"gisapp/{__version__} (desktop GIS for environmental grid supervision)"

Deliver = Callable[[bytes | None], None]


class TileFetcher(QObject):
    note = Signal(str)  # a short message for the status bar
    fetched = Signal(str)  # the URL of a tile that arrived (tests wait on it)

    def __init__(self, cache: TileCache | None, key_for: Callable[[TileSource], str],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.cache = cache
        self.key_for = key_for
        self.manager = QNetworkAccessManager(self)
        self.manager.setTransferTimeout(TIMEOUT_MS)
        self._queue: list[tuple[str, TileSource, tuple[int, int, int], Deliver]] = []
        self._active: dict[QNetworkReply, tuple[str, TileSource, tuple[int, int, int],
                                                list[Deliver]]] = {}
        self._waiting: dict[str, list[Deliver]] = {}  # url -> who wants it
        self._failed_at: dict[str, float] = {}
        self._failures_since_note = 0
        self._last_note = 0.0
        self._last_error = ""

    # ---- requests --------------------------------------------------------------------------
    def fetch(self, source: TileSource, zoom: int, x: int, y: int, deliver: Deliver) -> None:
        """Ask for a tile; ``deliver`` gets its bytes, or None when it cannot be had now."""
        try:
            url = source.tile_url(zoom, x, y, self.key_for(source))
        except ValueError:  # no key for a source that needs one
            deliver(None)
            return
        failed = self._failed_at.get(url)
        if failed is not None and time.monotonic() - failed < RETRY_S:
            deliver(None)
            return
        if url in self._waiting:  # already queued or running: one request serves all
            self._waiting[url].append(deliver)
            return
        self._waiting[url] = [deliver]
        self._queue.append((url, source, (zoom, x, y), deliver))
        while len(self._queue) > MAX_QUEUED:
            old_url, *_rest = self._queue.pop(0)
            for waiting in self._waiting.pop(old_url, []):
                waiting(None)
        self._start_next()

    def clear(self) -> None:
        """Drop queued requests and abort running ones (e.g. the basemap was switched)."""
        queued, self._queue = self._queue, []
        for url, *_rest in queued:
            self._waiting.pop(url, None)
        for reply in list(self._active):
            reply.abort()

    @property
    def busy(self) -> int:
        """Requests queued or running."""
        return len(self._queue) + len(self._active)

    def _start_next(self) -> None:
        while self._queue and len(self._active) < MAX_ACTIVE:
            url, source, key, _deliver = self._queue.pop()  # newest first
            request = QNetworkRequest(QUrl(url))
            request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, USER_AGENT)
            request.setAttribute(QNetworkRequest.Attribute.RedirectPolicyAttribute,
                                 QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy)
            request.setRawHeader(QByteArray(b"Accept"), QByteArray(b"image/*"))
            reply = self.manager.get(request)
            self._active[reply] = (url, source, key, [])
            reply.finished.connect(lambda reply=reply: self._finished(reply))

    # ---- answers ---------------------------------------------------------------------------
    def _finished(self, reply: QNetworkReply) -> None:
        url, source, key, _unused = self._active.pop(reply)
        waiting = self._waiting.pop(url, [])
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        data = bytes(reply.readAll().data()) if reply.error() == \
            QNetworkReply.NetworkError.NoError else b""
        aborted = reply.error() == QNetworkReply.NetworkError.OperationCanceledError
        ok = bool(data) and (status is None or int(status) == 200) and _looks_like_image(data)
        if ok:
            self._failed_at.pop(url, None)
            if self.cache is not None:
                try:
                    self.cache.put(source.id, *key, data, source.extension)
                except OSError as error:  # a full or read-only disk: still show the tile
                    self._failed(f"{self.cache.root}: {error.strerror or error}")
        elif not aborted:
            self._failed_at[url] = time.monotonic()
            self._failed(reply.errorString() if reply.error() != QNetworkReply.NetworkError.NoError
                         else _("HTTP {status}").format(status=status))
        reply.deleteLater()
        for deliver in waiting:
            deliver(data if ok else None)
        if ok:
            self.fetched.emit(url)
        self._start_next()

    def _failed(self, reason: str) -> None:
        self._failures_since_note += 1
        self._last_error = reason
        now = time.monotonic()
        if now - self._last_note >= NOTE_INTERVAL_S:
            self.note.emit(_("Basemap: {count} tile(s) could not be loaded ({reason})").format(
                count=self._failures_since_note, reason=reason))
            self._failures_since_note = 0
            self._last_note = now


def _looks_like_image(data: bytes) -> bool:
    """PNG, JPEG or WebP by their first bytes (an error page is HTML, often sent with 200)."""
    return data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or \
        (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
