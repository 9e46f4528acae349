//! The map chart: the cities on the provinces around them (Natural Earth outlines,
//! `outline`), a circle per city whose area grows with the difference in its residents
//! against the baseline in the last year (colour for the sign; filled where the 95%
//! interval of the paired difference excludes zero), one panel per scenario. With only
//! a baseline, the circles show the change since the start, with arrows for the largest
//! moves between cities. Panels share one scale; labels are placed where they cover
//! neither another label nor a city.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::population;
use super::charts::{Drawn, GREY, OKABE_ITO, font, legend};
use super::outline::{self, SOURCE};
use super::{Comparison, Group};
use crate::engine::indicators::{CITY_POPULATION, FLOW_PERSONS};
use crate::math::Det;
use crate::output::human_in as number;

/// Arrows per panel: more hide the map.
const FLOWS: usize = 8;
const GAIN: RGBColor = OKABE_ITO[4];
const LOSS: RGBColor = OKABE_ITO[5];
const SEA: RGBColor = RGBColor(214, 232, 244);
const LAND: RGBColor = RGBColor(252, 251, 247);
const NEIGHBOUR: RGBColor = RGBColor(232, 230, 225);
const BORDER: RGBColor = RGBColor(150, 150, 150);

/// The scenarios drawn: those with a baseline, or the baseline alone.
fn shown(cmp: &Comparison) -> Vec<usize> {
    let policies: Vec<usize> = (0..cmp.groups.len())
        .filter(|&i| !cmp.is_baseline(i))
        .collect();
    if policies.is_empty() {
        vec![0]
    } else {
        policies
    }
}

fn layout(cmp: &Comparison) -> (usize, usize, (u32, u32)) {
    let n = shown(cmp).len();
    let cols = n.clamp(1, 2);
    // One panel gets room for its labels; two a row keep names legible in print.
    let panel = if n == 1 { (1100, 960) } else { (720, 700) };
    (cols, n.div_ceil(cols), panel)
}

pub(super) fn size(cmp: &Comparison) -> (u32, u32) {
    let (cols, rows, panel) = layout(cmp);
    (cols as u32 * panel.0, 130 + rows as u32 * panel.1)
}

pub(super) fn title(cmp: &Comparison) -> String {
    let (start, end) = (cmp.years[0], cmp.years[cmp.years.len() - 1]);
    if cmp.has_differences() {
        format!("Residents in {end} against the baseline, by city")
    } else {
        format!("Population change {start}–{end} and the largest moves")
    }
}

pub(super) fn caption(cmp: &Comparison) -> String {
    let (start, end) = (cmp.years[0], cmp.years[cmp.years.len() - 1]);
    if cmp.has_differences() {
        format!(
            "Circle area is proportional to the difference in a city's residents in {end}, \
             the scenario minus its baseline, paired by seed and replicate (blue: more, \
             vermillion: fewer). A filled circle's 95% interval excludes zero; an open circle's \
             does not, or there are too few replicates for one. Panels share one scale. {SOURCE}"
        )
    } else {
        format!(
            "Circle area is proportional to a city's change in residents from {start} to {end} \
             (blue: gain, vermillion: loss); arrows are the {FLOWS} largest moves of persons \
             between two cities over the run, width proportional to persons. Means over \
             replicates. {SOURCE}"
        )
    }
}

/// Longitude, latitude.
type Place = (f64, f64);
/// Pixel offsets from a point.
type Pixels = Vec<(i32, i32)>;

/// A city on a panel: where, its name, its value in residents, and whether that value
/// is a difference whose interval excludes zero.
struct Mark {
    at: Place,
    name: String,
    value: f64,
    sure: bool,
}

/// One scenario's circles and arrows, in real persons.
struct Panel {
    label: String,
    marks: Vec<Mark>,
    /// (from, to, persons), largest first.
    flows: Vec<(Place, Place, f64)>,
}

fn difference_panel(cmp: &Comparison, i: usize) -> Panel {
    let end = cmp.years[cmp.years.len() - 1];
    let marks = (cmp.region().cities.iter())
        .map(|c| {
            let last = cmp
                .difference_series(i, population(&c.name))
                .into_iter()
                .find(|(y, _)| *y == end);
            let e = last.map(|(_, e)| e);
            let sure = e
                .and_then(|e| e.interval())
                .is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
            Mark {
                at: (c.lon, c.lat),
                name: c.name.clone(),
                value: e.map_or(0.0, |e| e.mean),
                sure,
            }
        })
        .collect();
    let g = &cmp.groups[i];
    let label = format!("{} − {}", g.label, cmp.groups[cmp.bases[i]].label);
    Panel {
        label,
        marks,
        flows: Vec::new(),
    }
}

fn change_panel(cmp: &Comparison, g: &Group) -> Panel {
    let region = cmp.region();
    let (start, end) = (cmp.years[0], cmp.years[cmp.years.len() - 1]);
    let n = g.runs.len() as f64;
    let marks = region
        .cities
        .iter()
        .map(|c| {
            let change: f64 = g
                .runs
                .iter()
                .filter_map(|r| {
                    let s = r.data.population.get(&c.name)?;
                    Some(s.get(&end)? - s.get(&start)?)
                })
                .sum();
            Mark {
                at: (c.lon, c.lat),
                name: c.name.clone(),
                value: change / n,
                sure: true,
            }
        })
        .collect();
    let at = |name: &str| {
        region
            .cities
            .iter()
            .find(|c| c.name == name)
            .map(|c| (c.lon, c.lat))
    };
    let mut moves: std::collections::BTreeMap<(String, String), f64> = Default::default();
    for r in &g.runs {
        for (k, m) in &r.data.flows {
            *moves.entry(k.clone()).or_default() += m.persons / n;
        }
    }
    let mut flows: Vec<_> = moves
        .into_iter()
        .filter(|(_, p)| *p > 0.0)
        .filter_map(|((o, d), p)| Some((at(&o)?, at(&d)?, p)))
        .collect();
    // Stable sort on the (origin, destination) order of the map breaks ties.
    flows.sort_by(|a, b| b.2.total_cmp(&a.2));
    flows.truncate(FLOWS);
    Panel {
        label: g.label.clone(),
        marks,
        flows,
    }
}

/// Longitude and latitude ranges around the cities that fill `px` without distortion
/// (a degree of longitude is cos(latitude) of a degree of latitude).
fn extent(cmp: &Comparison, px: (f64, f64)) -> ((f64, f64), (f64, f64)) {
    let cities = &cmp.region().cities;
    let bound = |f: fn(&crate::region::City) -> f64| {
        let v = cities.iter().map(f);
        (
            v.clone().fold(f64::INFINITY, f64::min),
            v.fold(f64::NEG_INFINITY, f64::max),
        )
    };
    let (lon, lat) = (bound(|c| c.lon), bound(|c| c.lat));
    let mid_lat = (lat.0 + lat.1) / 2.0;
    let squeeze = (mid_lat * std::f64::consts::PI / 180.0).dcos();
    // Room for labels on every side.
    let span_lat = (lat.1 - lat.0 + 1.2).max(0.5);
    let span_lon = (lon.1 - lon.0 + 1.6).max(0.5);
    // Pixels per degree of latitude that fit both spans.
    let s = (px.1 / span_lat).min(px.0 / (span_lon * squeeze));
    let (half_lat, half_lon) = (px.1 / s / 2.0, px.0 / (s * squeeze) / 2.0);
    let (c_lon, c_lat) = ((lon.0 + lon.1) / 2.0, mid_lat);
    (
        (c_lon - half_lon, c_lon + half_lon),
        (c_lat - half_lat, c_lat + half_lat),
    )
}

pub(super) fn draw<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let panels: Vec<Panel> = if cmp.has_differences() {
        shown(cmp)
            .into_iter()
            .map(|i| difference_panel(cmp, i))
            .collect()
    } else {
        vec![change_panel(cmp, cmp.baseline())]
    };
    let max_value = panels
        .iter()
        .flat_map(|p| p.marks.iter().map(|m| m.value.abs()))
        .fold(1.0, f64::max);
    let max_flow = panels
        .iter()
        .flat_map(|p| p.flows.iter().map(|f| f.2))
        .fold(1.0, f64::max);
    let (top, rest) = area.split_vertically(80);
    key(cmp, &top, max_value, max_flow)?;
    let (cols, rows, _) = layout(cmp);
    let cells = rest.split_evenly((rows, cols));
    for (p, cell) in panels.iter().zip(&cells) {
        scenario_map(cmp, cell, p, (max_value, max_flow))?;
    }
    Ok(())
}

/// What circles (and arrows) mean, with the largest of each in numbers.
fn key<DB: DrawingBackend>(
    cmp: &Comparison,
    area: &DrawingArea<DB, Shift>,
    max_value: f64,
    max_flow: f64,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let diff = cmp.has_differences();
    let entries = if diff {
        vec![
            ("more residents than the baseline".to_string(), GAIN, false),
            ("fewer residents".to_string(), LOSS, false),
        ]
    } else {
        vec![
            ("gain in residents".to_string(), GAIN, false),
            ("loss of residents".to_string(), LOSS, false),
            ("moves of persons".to_string(), GREY, false),
        ]
    };
    legend(area, &entries, true)?;
    let scale = if diff {
        format!(
            "largest circle: {} residents",
            number(max_value, CITY_POPULATION.unit)
        )
    } else {
        format!(
            "largest circle: {} residents; widest arrow: {} persons",
            number(max_value, CITY_POPULATION.unit),
            number(max_flow, FLOW_PERSONS.unit)
        )
    };
    let style = font(18).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw_text(&scale, &style, (20, 56))?;
    Ok(())
}

fn radius(value: f64, max_value: f64) -> i32 {
    (4.0 + 30.0 * (value.abs() / max_value).sqrt()).round() as i32
}

type MapChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn scenario_map<DB: DrawingBackend>(
    cmp: &Comparison,
    cell: &DrawingArea<DB, Shift>,
    p: &Panel,
    (max_value, max_flow): (f64, f64),
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (w, h) = cell.dim_in_pixel();
    let (lon, lat) = extent(cmp, (w as f64 - 90.0, h as f64 - 110.0));
    let mut chart = ChartBuilder::on(cell)
        .caption(&p.label, font(23))
        .margin(10)
        .x_label_area_size(56)
        .y_label_area_size(70)
        .build_cartesian_2d(lon.0..lon.1, lat.0..lat.1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("longitude, degrees east")
        .y_desc("latitude, degrees north")
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(font(17))
        .axis_desc_style(font(18))
        .draw()?;
    chart.plotting_area().fill(&SEA)?;
    provinces(&mut chart, lon, lat)?;
    for &(from, to, persons) in &p.flows {
        let (a, b) = (chart.backend_coord(&from), chart.backend_coord(&to));
        let width = 1.0 + 9.0 * persons / max_flow;
        let (shaft, head) = arrow((b.0 - a.0, b.1 - a.1), width);
        let shade = GREY.mix(0.6);
        let el = EmptyElement::at(from)
            + PathElement::new(shaft, shade.stroke_width(width.round() as u32))
            + Polygon::new(head, shade.filled());
        chart.draw_series(std::iter::once(el))?;
    }
    for m in &p.marks {
        let r = radius(m.value, max_value);
        let colour = match m.value {
            v if v > 0.0 => GAIN,
            v if v < 0.0 => LOSS,
            _ => GREY,
        };
        let fill = if m.sure {
            colour.mix(0.55)
        } else {
            WHITE.mix(0.0)
        };
        let mark = EmptyElement::at(m.at)
            + Circle::new((0, 0), r, fill.filled())
            + Circle::new((0, 0), r, colour.stroke_width(2))
            + Circle::new((0, 0), 2, BLACK.filled());
        chart.draw_series(std::iter::once(mark))?;
    }
    labels(&mut chart, p, max_value)
}

/// The provinces clipped to the map: the region's pale, its neighbours grey, with
/// their boundaries.
fn provinces<DB: DrawingBackend>(
    chart: &mut MapChart<DB>,
    lon: (f64, f64),
    lat: (f64, f64),
) -> Drawn
where
    DB::ErrorType: 'static,
{
    for o in outline::outlines() {
        let ring = outline::clip(&o.ring, lon, lat);
        if ring.len() < 3 {
            continue;
        }
        let fill = if o.in_region { LAND } else { NEIGHBOUR };
        chart.draw_series(std::iter::once(Polygon::new(ring.clone(), fill.filled())))?;
        let mut closed = ring;
        closed.push(closed[0]);
        chart.draw_series(std::iter::once(PathElement::new(
            closed,
            BORDER.stroke_width(1),
        )))?;
    }
    Ok(())
}

/// A label's box in pixels: left, top, right, bottom.
type Rect = (i32, i32, i32, i32);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Each city's name and value, placed beside its circle where it covers no other label
/// and no city (right, left, above, below, then further out), largest values first.
fn labels<DB: DrawingBackend>(chart: &mut MapChart<DB>, p: &Panel, max_value: f64) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (name_font, value_font) = (font(17), font(15));
    let mut order: Vec<usize> = (0..p.marks.len()).collect();
    order.sort_by(|&a, &b| p.marks[b].value.abs().total_cmp(&p.marks[a].value.abs()));
    let centres: Vec<(i32, i32)> = p.marks.iter().map(|m| chart.backend_coord(&m.at)).collect();
    let mut taken: Vec<Rect> = (centres.iter())
        .map(|&(x, y)| (x - 5, y - 5, x + 5, y + 5))
        .collect();
    let bounds = chart.plotting_area().get_pixel_range();
    for i in order {
        let m = &p.marks[i];
        let value = signed(m.value);
        let area = chart.plotting_area();
        let w = (area.estimate_text_size(&m.name, &name_font)?.0)
            .max(area.estimate_text_size(&value, &value_font)?.0) as i32
            + 6;
        let h = 38;
        let r = radius(m.value, max_value) + 3;
        let (x, y) = centres[i];
        let candidates = [1, 2, 3].iter().flat_map(|&k| {
            let d = r + (k - 1) * 14;
            [
                (d, -h / 2),
                (-d - w, -h / 2),
                (-w / 2, -d - h),
                (-w / 2, d),
                (d, -h),
                (d, 0),
            ]
        });
        let fits = |(dx, dy): (i32, i32)| {
            let b = (x + dx, y + dy, x + dx + w, y + dy + h);
            let inside = b.0 >= bounds.0.start
                && b.2 <= bounds.0.end
                && b.1 >= bounds.1.start
                && b.3 <= bounds.1.end;
            inside && !taken.iter().any(|t| overlaps(*t, b))
        };
        let (dx, dy) = candidates.clone().find(|&c| fits(c)).unwrap_or((r, -h / 2));
        taken.push((x + dx, y + dy, x + dx + w, y + dy + h));
        let left = Pos::new(HPos::Left, VPos::Top);
        let el = EmptyElement::at(m.at)
            + Rectangle::new([(dx, dy), (dx + w, dy + h)], WHITE.mix(0.8).filled())
            + Text::new(m.name.clone(), (dx + 3, dy + 2), name_font.pos(left))
            + Text::new(value, (dx + 3, dy + 21), value_font.color(&GREY).pos(left));
        chart.draw_series(std::iter::once(el))?;
    }
    Ok(())
}

/// A value with its sign, in residents, to three significant digits (a run at a
/// scale counts in agents, so more digits would be noise): +12,300, −206,000.
fn signed(v: f64) -> String {
    let mut unit = 1.0;
    while v.abs() >= 1000.0 * unit {
        unit *= 10.0;
    }
    let s = number((v.abs() / unit).round() * unit, CITY_POPULATION.unit);
    match v {
        v if v.round() > 0.0 => format!("+{s}"),
        v if v.round() < 0.0 => format!("−{s}"),
        _ => s,
    }
}

/// An arrow over `d` pixels as its shaft and head, the tip stopping short of the
/// destination's centre so that it shows on top of a large circle, and set off to the
/// right of its direction so that moves both ways between two cities stay apart.
fn arrow(d: (i32, i32), width: f64) -> (Pixels, Pixels) {
    let (dx, dy) = (d.0 as f64, d.1 as f64);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    let head = 8.0 + 2.0 * width;
    let tip = (len - 8.0).max(head);
    let offset = width / 2.0 + 2.0;
    let at = |along: f64, side: f64| {
        let side = side + offset;
        let x = ux * along - uy * side;
        let y = uy * along + ux * side;
        (x.round() as i32, y.round() as i32)
    };
    let shaft = vec![at(0.0, 0.0), at(tip - head, 0.0)];
    let point = vec![
        at(tip, 0.0),
        at(tip - head, head * 0.55),
        at(tip - head, -head * 0.55),
    ];
    (shaft, point)
}
