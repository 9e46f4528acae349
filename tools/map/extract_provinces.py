"""Writes assets/map/jjj_provinces.txt: the outlines of the provinces around
Beijing-Tianjin-Hebei, clipped to the map's frame, for the report's map.

Source: Natural Earth 1:10m Admin 1 (states, provinces) v4.1.0, public domain,
as generalised and shipped by QGIS in `world_map.gpkg` (layer `states_provinces`),
from Debian's package qgis-common 3.22.16 (/usr/share/qgis/resources/data/):

    apt-get download qgis-common && dpkg-deb -x qgis-common_*.deb qgis
    python3 tools/map/extract_provinces.py qgis/usr/share/qgis/resources/data/world_map.gpkg

Only the standard library is used. The land/sea edge of these outlines is the coastline.
"""
import sqlite3
import struct
import sys

# lon_min, lat_min, lon_max, lat_max: Hebei with a margin.
FRAME = (112.6, 35.4, 120.8, 43.0)
PROVINCES = ["Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongol", "Liaoning",
             "Shandong", "Henan"]
REGION = {"Beijing", "Tianjin", "Hebei"}


def wkb_polygons(b):
    """The rings of a WKB (multi)polygon, little- or big-endian."""
    pos = 0

    def read(fmt):
        nonlocal pos
        v = struct.unpack_from(order + fmt, b, pos)
        pos += struct.calcsize(order + fmt)
        return v

    def geometry():
        nonlocal order
        order = "<" if b[pos] == 1 else ">"
        skip(1)
        (kind,) = read("I")
        if kind == 3:
            return [polygon()]
        if kind == 6:
            (n,) = read("I")
            out = []
            for _ in range(n):
                out.extend(geometry())
            return out
        raise ValueError(f"geometry type {kind}")

    def polygon():
        (rings,) = read("I")
        out = []
        for _ in range(rings):
            (n,) = read("I")
            out.append([read("dd") for _ in range(n)])
        return out

    def skip(n):
        nonlocal pos
        pos += n

    order = "<"
    return geometry()


def gpkg_wkb(blob):
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return blob[8 + envelope:]


def clip(ring, frame):
    """Sutherland-Hodgman clipping of a closed ring to the frame."""
    x0, y0, x1, y1 = frame
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: cut_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: cut_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: cut_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: cut_y(a, b, y1)),
    ]
    pts = ring[:-1] if ring[0] == ring[-1] else ring
    for inside, cut in edges:
        out = []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
        pts = out
        if not pts:
            break
    return pts


def cut_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def cut_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def main(path):
    db = sqlite3.connect(path)
    out = [
        "# Province outlines around Beijing-Tianjin-Hebei, clipped to lon "
        f"{FRAME[0]}-{FRAME[2]}, lat {FRAME[1]}-{FRAME[3]}.",
        "# Natural Earth 1:10m Admin 1 v4.1.0 (public domain), as generalised in QGIS's",
        "# world_map.gpkg (Debian package qgis-common 3.22.16); made by",
        "# tools/map/extract_provinces.py. One ring a line: NAME<TAB>REGION|OTHER<TAB>lon,lat ...",
    ]
    for name in PROVINCES:
        (blob,) = db.execute(
            "select geom from states_provinces where admin = 'China' and name = ?", (name,)
        ).fetchone()
        for polygon in wkb_polygons(gpkg_wkb(blob)):
            for ring in polygon[:1]:  # outer rings: these provinces have no holes here
                pts = clip(ring, FRAME)
                if len(pts) < 3:
                    continue
                kind = "region" if name in REGION else "other"
                coords = " ".join(f"{x:.3f},{y:.3f}" for x, y in pts)
                out.append(f"{name}\t{kind}\t{coords}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
