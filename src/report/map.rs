//! The map chart: one panel per scenario with the cities at their longitude and
//! latitude, a circle per city whose area grows with its population change over the run
//! (colour for the sign), and arrows for the largest moves of persons between cities.
//! Every panel shares one scale for circles and one for arrows so panels compare.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{Drawn, GREY, OKABE_ITO, font, legend};
use super::{Comparison, Group};
use crate::engine::indicators::{CITY_POPULATION, FLOW_PERSONS};
use crate::math::Det;
use crate::output::human_in as number;

/// Arrows per panel: more hide the map.
const FLOWS: usize = 8;
const GAIN: RGBColor = OKABE_ITO[4];
const LOSS: RGBColor = OKABE_ITO[5];
// Two panels a row keep names legible on a printed page.
const PANEL: (u32, u32) = (680, 640);

fn columns(cmp: &Comparison) -> usize {
    cmp.groups.len().clamp(1, 2)
}

pub(super) fn size(cmp: &Comparison) -> (u32, u32) {
    let cols = columns(cmp);
    let rows = cmp.groups.len().div_ceil(cols) as u32;
    (cols as u32 * PANEL.0, 150 + rows * PANEL.1)
}

pub(super) fn caption(cmp: &Comparison) -> String {
    let (start, end) = (cmp.years[0], cmp.years[cmp.years.len() - 1]);
    format!(
        "Circle area is proportional to a city's change in residents from {start} to {end} \
         (blue: gain, vermillion: loss); arrows are the {FLOWS} largest moves of persons \
         between two cities over the run, width proportional to persons. Panels share both \
         scales. Means over replicates."
    )
}

/// Longitude, latitude.
type Place = (f64, f64);
/// Pixel offsets from a point.
type Pixels = Vec<(i32, i32)>;

/// One scenario's circles and arrows, in real persons.
struct Panel {
    /// (longitude, latitude, name, change in residents)
    cities: Vec<(f64, f64, String, f64)>,
    /// (from, to, persons), largest first.
    flows: Vec<(Place, Place, f64)>,
}

fn panel(cmp: &Comparison, g: &Group) -> Panel {
    let region = cmp.region();
    let (start, end) = (cmp.years[0], cmp.years[cmp.years.len() - 1]);
    let n = g.runs.len() as f64;
    let cities = region
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
            (c.lon, c.lat, c.name.clone(), change / n)
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
    Panel { cities, flows }
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
    let span_lat = (lat.1 - lat.0 + 0.8).max(0.5);
    // Names stand right of their circles: more room on the east side.
    let span_lon = (lon.1 - lon.0 + 2.4).max(0.5);
    // Pixels per degree of latitude that fit both spans.
    let s = (px.1 / span_lat).min(px.0 / (span_lon * squeeze));
    let (half_lat, half_lon) = (px.1 / s / 2.0, px.0 / (s * squeeze) / 2.0);
    let (c_lon, c_lat) = ((lon.0 + lon.1) / 2.0 + 0.4, mid_lat);
    (
        (c_lon - half_lon, c_lon + half_lon),
        (c_lat - half_lat, c_lat + half_lat),
    )
}

pub(super) fn draw<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let panels: Vec<Panel> = cmp.groups.iter().map(|g| panel(cmp, g)).collect();
    let max_change = panels
        .iter()
        .flat_map(|p| p.cities.iter().map(|c| c.3.abs()))
        .fold(1.0, f64::max);
    let max_flow = panels
        .iter()
        .flat_map(|p| p.flows.iter().map(|f| f.2))
        .fold(1.0, f64::max);
    let (top, rest) = area.split_vertically(100);
    key(&top, max_change, max_flow)?;
    let cols = columns(cmp);
    let cells = rest.split_evenly((cmp.groups.len().div_ceil(cols), cols));
    for ((g, p), cell) in cmp.groups.iter().zip(&panels).zip(&cells) {
        scenario_map(cmp, cell, &g.label, p, (max_change, max_flow))?;
    }
    Ok(())
}

/// What circles and arrows mean, with the largest of each in numbers.
fn key<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, max_change: f64, max_flow: f64) -> Drawn
where
    DB::ErrorType: 'static,
{
    let entries = [
        ("gain in residents".to_string(), GAIN, false),
        ("loss of residents".to_string(), LOSS, false),
        ("moves of persons".to_string(), GREY, false),
    ];
    legend(area, &entries, true)?;
    let scale = format!(
        "largest circle: {} residents; widest arrow: {} persons",
        number(max_change, CITY_POPULATION.unit),
        number(max_flow, FLOW_PERSONS.unit)
    );
    area.draw_text(
        &scale,
        &font(18).pos(Pos::new(HPos::Left, VPos::Center)),
        (20, 60),
    )?;
    Ok(())
}

fn radius(change: f64, max_change: f64) -> i32 {
    (4.0 + 30.0 * (change.abs() / max_change).sqrt()).round() as i32
}

fn scenario_map<DB: DrawingBackend>(
    cmp: &Comparison,
    cell: &DrawingArea<DB, Shift>,
    label: &str,
    p: &Panel,
    (max_change, max_flow): (f64, f64),
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (w, h) = cell.dim_in_pixel();
    let (lon, lat) = extent(cmp, (w as f64 - 90.0, h as f64 - 110.0));
    let mut chart = ChartBuilder::on(cell)
        .caption(label, font(23))
        .margin(10)
        .x_label_area_size(56)
        .y_label_area_size(70)
        .build_cartesian_2d(lon.0..lon.1, lat.0..lat.1)?;
    chart
        .configure_mesh()
        .x_desc("longitude, degrees east")
        .y_desc("latitude, degrees north")
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(font(17))
        .axis_desc_style(font(18))
        .light_line_style(RGBColor(245, 245, 245))
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
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
    for (lon, lat, name, change) in &p.cities {
        let r = radius(*change, max_change);
        let colour = if *change > 0.0 {
            GAIN
        } else if *change < 0.0 {
            LOSS
        } else {
            GREY
        };
        let text = font(18).pos(Pos::new(HPos::Left, VPos::Center));
        let mark = EmptyElement::at((*lon, *lat))
            + Circle::new((0, 0), r, colour.mix(0.45).filled())
            + Circle::new((0, 0), r, colour.stroke_width(1))
            + Text::new(name.clone(), (r + 3, 0), text);
        chart.draw_series(std::iter::once(mark))?;
    }
    Ok(())
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
