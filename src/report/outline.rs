//! Province outlines for the report's map: Natural Earth 1:10m Admin 1 (public domain),
//! as generalised in QGIS's world map, clipped around Beijing-Tianjin-Hebei
//! (`assets/map/jjj_provinces.txt`, made by `tools/map/extract_provinces.py`). They are
//! compiled in so the report stays one self-contained file. The land's edge against
//! the sea is the coastline.

use std::sync::OnceLock;

const TEXT: &str = include_str!("../../assets/map/jjj_provinces.txt");

/// Where the outlines come from, as the report cites it.
pub const SOURCE: &str = "Boundaries and coastline: Natural Earth 1:10m Admin 1 v4.1.0 \
    (public domain), as generalised in QGIS's world map.";

/// One province's ring (longitude, latitude), and whether it belongs to the region.
pub struct Outline {
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "names the ring in tests and when debugging")
    )]
    pub name: &'static str,
    pub in_region: bool,
    pub ring: Vec<(f64, f64)>,
}

/// Every ring of the asset, parsed once.
pub fn outlines() -> &'static [Outline] {
    static ALL: OnceLock<Vec<Outline>> = OnceLock::new();
    ALL.get_or_init(|| TEXT.lines().filter_map(parse).collect())
}

fn parse(line: &'static str) -> Option<Outline> {
    if line.starts_with('#') {
        return None;
    }
    let mut fields = line.split('\t');
    let (name, kind, coords) = (fields.next()?, fields.next()?, fields.next()?);
    let ring = (coords.split(' '))
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect();
    Some(Outline {
        name,
        in_region: kind == "region",
        ring,
    })
}

/// A ring clipped to the rectangle `lon` x `lat` (Sutherland-Hodgman), so that an SVG,
/// which does not clip to the plotting area, draws nothing outside the map.
pub fn clip(ring: &[(f64, f64)], lon: (f64, f64), lat: (f64, f64)) -> Vec<(f64, f64)> {
    // Each edge: the coordinate it bounds (0 longitude, 1 latitude), the bound, and
    // whether the inside is above it.
    let edges = [
        (0, lon.0, true),
        (0, lon.1, false),
        (1, lat.0, true),
        (1, lat.1, false),
    ];
    let mut pts = ring.to_vec();
    for (axis, bound, above) in edges {
        let coord = |p: (f64, f64)| if axis == 0 { p.0 } else { p.1 };
        let inside = |p| (coord(p) >= bound) == above || coord(p) == bound;
        let cut = |a: (f64, f64), b: (f64, f64)| {
            let t = (bound - coord(a)) / (coord(b) - coord(a));
            (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        };
        let mut out = Vec::with_capacity(pts.len());
        for (i, &cur) in pts.iter().enumerate() {
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cut(prev, cur)),
                (false, true) => out.extend([cut(prev, cur), cur]),
                (false, false) => {}
            }
        }
        pts = out;
        if pts.is_empty() {
            break;
        }
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_s_provinces_are_there() {
        let names: Vec<&str> = outlines()
            .iter()
            .filter(|o| o.in_region)
            .map(|o| o.name)
            .collect();
        for p in ["Beijing", "Tianjin", "Hebei"] {
            assert!(names.contains(&p), "{p} in {names:?}");
        }
        // Beijing's outline holds Beijing's city centre (116.4 E, 39.9 N).
        let beijing = outlines().iter().find(|o| o.name == "Beijing").unwrap();
        assert!(inside(&beijing.ring, (116.4, 39.9)));
        assert!(
            !inside(&beijing.ring, (117.2, 39.1)),
            "Tianjin is not in Beijing"
        );
    }

    fn inside(ring: &[(f64, f64)], p: (f64, f64)) -> bool {
        let mut c = false;
        for (i, &a) in ring.iter().enumerate() {
            let b = ring[(i + 1) % ring.len()];
            if (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (p.1 - a.1) / (b.1 - a.1) * (b.0 - a.0) {
                c = !c;
            }
        }
        c
    }

    #[test]
    fn clipping_keeps_only_what_is_inside() {
        let square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)];
        let c = clip(&square, (1.0, 2.0), (-1.0, 10.0));
        assert!(c.iter().all(|p| (1.0..=2.0).contains(&p.0)));
        assert_eq!(c.len(), 4);
        assert!(clip(&square, (5.0, 6.0), (0.0, 1.0)).is_empty());
    }
}
