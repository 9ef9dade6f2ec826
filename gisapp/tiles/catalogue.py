"""The XYZ basemaps gisapp knows: Tianditu (needs the user's key), OpenStreetMap and Amap.

A ``Basemap`` is what a user picks; it draws one or more ``TileSource``s bottom first
(Tianditu's streets and its separate annotation layer). Names are English source strings for
``_()`` at display. A source's ``datum`` says where its pictures are drawn: Amap draws on
GCJ-02, so its tiles are shifted onto WGS-84 before they are shown (``gisapp.tiles.shift``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gisapp.i18n import N_


@dataclass(frozen=True)
class TileSource:
    """One tiled picture of the world in the XYZ scheme (or an MBTiles file: ``url`` empty).

    ``url`` is a template with {z} {x} {y}, {s} (one of ``subdomains``) and {tk} (the key).
    """

    id: str  # also the tile cache's folder name
    name: str
    url: str = ""
    subdomains: tuple[str, ...] = ()
    min_zoom: int = 0
    max_zoom: int = 18
    datum: str = "wgs84"  # "wgs84" (also CGCS2000) or "gcj02"
    needs_key: bool = False
    attribution: str = ""
    tile_size: int = 256
    extension: str = "png"  # of the cached files; the bytes are decoded by their content

    def tile_url(self, zoom: int, x: int, y: int, key: str = "") -> str:
        """The address of one tile; the subdomain is chosen by the tile so a cache hits.

        >>> OSM.tile_url(3, 6, 2)
        'https://tile.openstreetmap.org/3/6/2.png'
        >>> TIANDITU_VEC.tile_url(3, 6, 2, "abc").split("?")[0]
        'https://t0.tianditu.gov.cn/vec_w/wmts'
        """
        if self.needs_key and not key:
            raise ValueError(f"{self.id}: needs an API key")
        sub = self.subdomains[(x + y) % len(self.subdomains)] if self.subdomains else ""
        return self.url.format(z=zoom, x=x, y=y, s=sub, tk=key)


@dataclass(frozen=True)
class Basemap:
    id: str
    name: str
    sources: tuple[TileSource, ...] = field(default_factory=tuple)

    @property
    def needs_key(self) -> bool:
        return any(source.needs_key for source in self.sources)


_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
             "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}")
_TIANDITU_SUBDOMAINS = tuple("01234567")
_TIANDITU_ATTRIBUTION = "© 天地图 Tianditu (GS(2024)0650号)"


def _tianditu(layer: str, name: str) -> TileSource:
    return TileSource(f"tianditu_{layer}", name, _TIANDITU.format(s="{s}", layer=layer),
                      _TIANDITU_SUBDOMAINS, 1, 18, "wgs84", True, _TIANDITU_ATTRIBUTION)


TIANDITU_VEC = _tianditu("vec", N_("Tianditu streets"))
TIANDITU_CVA = _tianditu("cva", N_("Tianditu street labels"))
TIANDITU_IMG = _tianditu("img", N_("Tianditu imagery"))
TIANDITU_CIA = _tianditu("cia", N_("Tianditu imagery labels"))
OSM = TileSource("osm", N_("OpenStreetMap"), "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                 (), 0, 19, "wgs84", False, "© OpenStreetMap contributors")
AMAP = TileSource("amap", N_("Amap streets (GCJ-02)"),
                  "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                  "&style=8&x={x}&y={y}&z={z}", ("1", "2", "3", "4"), 3, 18, "gcj02", False,
                  "© 高德地图 AutoNavi")

BASEMAPS: tuple[Basemap, ...] = (
    Basemap("tianditu_vector", N_("Tianditu streets"), (TIANDITU_VEC, TIANDITU_CVA)),
    Basemap("tianditu_imagery", N_("Tianditu imagery"), (TIANDITU_IMG, TIANDITU_CIA)),
    Basemap("osm", N_("OpenStreetMap"), (OSM,)),
    Basemap("amap", N_("Amap streets (GCJ-02)"), (AMAP,)),
)


def basemap(basemap_id: str) -> Basemap | None:
    """The catalogue's basemap with this id, or None."""
    return next((b for b in BASEMAPS if b.id == basemap_id), None)
