//! The report's charts, each drawn once for an SVG (inlined in the HTML, sharp in print)
//! and once for a PNG (for slides and mail clients that block SVG).
//!
//! Text is laid out with DejaVu Sans compiled into the binary, so neither the build nor
//! a run needs the machine's fonts and a PNG looks the same everywhere. Colours are the
//! Okabe-Ito palette, which stays distinguishable with the common colour-vision
//! deficiencies; beyond eight scenarios colours repeat with dashed lines.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::raster::Bitmap;
use super::{Comparison, Run, Series};
use crate::engine::indicators::{self as ind, CITY_POPULATION, Indicator};
use crate::error::{Error, Result};
use crate::math::Det;
use crate::stats::Estimate;

pub(super) type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

pub(super) const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
/// Panels a row in the chart of every city's population: three stay legible in print.
const CITY_COLUMNS: usize = 3;

/// Okabe & Ito (2008), "Color Universal Design": black, orange, sky blue, bluish green,
/// blue, vermillion, reddish purple, yellow.
pub(super) const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
];
pub(super) const GREY: RGBColor = RGBColor(120, 120, 120);

pub(super) fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// The scenario at position `i` (baseline 0, black) keeps its colour in every chart.
pub(super) fn scenario_colour(i: usize) -> RGBColor {
    OKABE_ITO[i % OKABE_ITO.len()]
}

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    ok.then_some(()).ok_or_else(|| Error::Output {
        file: "assets/fonts/DejaVuSans.ttf".into(),
        message: "the bundled font does not parse".into(),
    })
}

/// The charts a report can hold; `applicable` says which fit the runs' region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Effects,
    Populations,
    CapitalCap,
    NewArea,
    FirmsOut,
    Map,
    Dispersion,
}

/// A chart drawn both ways, with the words that go with it.
pub struct Rendered {
    pub chart: Chart,
    pub title: String,
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

impl Chart {
    /// In the order of the page: differences from the baseline first, then levels.
    pub const ALL: [Chart; 7] = [
        Chart::Effects,
        Chart::Map,
        Chart::Populations,
        Chart::CapitalCap,
        Chart::NewArea,
        Chart::FirmsOut,
        Chart::Dispersion,
    ];

    pub fn stem(self) -> &'static str {
        match self {
            Chart::Effects => "effects",
            Chart::Populations => "population_by_city",
            Chart::CapitalCap => "capital_population_cap",
            Chart::NewArea => "new_area",
            Chart::FirmsOut => "firms_moved_out_by_destination",
            Chart::Map => "map",
            Chart::Dispersion => "output_per_head_dispersion",
        }
    }

    /// Whether the chart shows differences from the baseline (the page puts those first).
    pub fn shows_differences(self, cmp: &Comparison) -> bool {
        match self {
            Chart::Effects => true,
            Chart::Map => cmp.has_differences(),
            _ => false,
        }
    }

    fn applicable(self, cmp: &Comparison) -> bool {
        let has = |entry: &'static Indicator| {
            entry.name_in(&cmp.places).is_some_and(|n| cmp.recorded(&n))
        };
        match self {
            Chart::CapitalCap => has(&ind::CAPITAL_CAP_GAP),
            Chart::NewArea => has(&ind::NEW_AREA_POPULATION) && has(&ind::NEW_AREA_FIRMS),
            Chart::Dispersion => has(&ind::OUTPUT_PER_HEAD_CV),
            Chart::Effects => cmp.has_differences() && !cmp.indicators.is_empty(),
            Chart::Populations | Chart::FirmsOut | Chart::Map => true,
        }
    }

    fn size(self, cmp: &Comparison) -> (u32, u32) {
        let scenarios = cmp.groups.len() as u32;
        let city_rows = cmp.region().cities.len().div_ceil(CITY_COLUMNS) as u32;
        match self {
            Chart::Populations => (1500, 110 + 390 * city_rows),
            Chart::CapitalCap | Chart::Dispersion => (1200, 720),
            Chart::NewArea => (1400, 640),
            Chart::FirmsOut => (1400, 260 + 70 * scenarios),
            Chart::Map => super::map::size(cmp),
            Chart::Effects => super::effects::size(cmp),
        }
    }

    fn title(self, cmp: &Comparison) -> String {
        let r = cmp.region();
        let (start, end) = (cmp.years[0], *cmp.years.last().expect("runs have years"));
        match self {
            Chart::Effects => format!("Effects against the baseline, {start}–{end}"),
            Chart::Populations => format!("Residents of each city, {start}–{end}"),
            Chart::CapitalCap => format!("{}'s residents against its population cap", r.capital),
            Chart::NewArea => format!(
                "{}: residents and firms",
                r.new_area.as_deref().unwrap_or("new area")
            ),
            Chart::FirmsOut => format!(
                "Firms moved out of {} by destination, {start}–{end} (cumulative)",
                r.capital
            ),
            Chart::Map => super::map::title(cmp),
            Chart::Dispersion => {
                "Dispersion of output per head across cities (coefficient of variation)".into()
            }
        }
    }

    fn caption(self, cmp: &Comparison) -> String {
        let replicated = cmp.groups.iter().any(|g| g.runs.len() > 1);
        let band = if replicated {
            " Lines are means over replicates; shaded bands their 95% t-intervals."
        } else {
            ""
        };
        let r = cmp.region();
        match self {
            Chart::Populations => format!(
                "Change in residents since {}, in percent, one panel per city; the panels \
                 share one vertical scale, so a swing in one city compares with the others (a new \
                 area, which grows from little, has its own). Each panel names the city's \
                 residents in {}.{band}",
                cmp.years[0], cmp.years[0]
            ),
            Chart::CapitalCap => format!(
                "The dashed line is the cap in the region data; the gap is the cap minus residents.{band}"
            ),
            Chart::NewArea | Chart::Dispersion => band.trim_start().to_string(),
            Chart::FirmsOut => format!(
                "Firms that moved out of {} over the run, by destination, in real firms (agents divided by the scale); the seven largest destinations are named, the others grouped. Means over replicates.",
                r.capital
            ),
            Chart::Map => super::map::caption(cmp),
            Chart::Effects => super::effects::caption(cmp),
        }
    }

    fn draw<DB: DrawingBackend>(self, cmp: &Comparison, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let area = root.titled(&self.title(cmp), font(26))?;
        match self {
            Chart::Effects => super::effects::draw(cmp, &area),
            Chart::Populations => populations(cmp, &area),
            Chart::CapitalCap => capital_cap(cmp, &area),
            Chart::NewArea => new_area(cmp, &area),
            Chart::FirmsOut => super::bars::draw(cmp, &area),
            Chart::Map => super::map::draw(cmp, &area),
            Chart::Dispersion => dispersion(cmp, &area),
        }
    }
}

/// Every chart that fits the runs, drawn.
pub fn render_all(cmp: &Comparison) -> Result<Vec<Rendered>> {
    register_font()?;
    Chart::ALL
        .into_iter()
        .filter(|c| c.applicable(cmp))
        .map(|c| render(c, cmp))
        .collect()
}

fn render(chart: Chart, cmp: &Comparison) -> Result<Rendered> {
    let (w, h) = chart.size(cmp);
    let (svg, png) = both(&(chart, cmp), w, h)?;
    Ok(Rendered {
        chart,
        title: chart.title(cmp),
        caption: chart.caption(cmp),
        svg,
        png,
    })
}

impl Figure for (Chart, &Comparison) {
    fn name(&self) -> String {
        format!("charts/{}", self.0.stem())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        self.0.draw(self.1, root)
    }
}

fn encode_png(
    rgb: &[u8],
    w: u32,
    h: u32,
) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// One scenario's line: a mean by year with the interval where replicates give one.
#[derive(Clone)]
pub(super) struct Line {
    pub colour: RGBColor,
    pub dashed: bool,
    pub points: Vec<(i32, Estimate)>,
}

/// A line per scenario of a per-run series.
fn lines(cmp: &Comparison, series: impl Fn(&Run) -> Option<&Series> + Copy) -> Vec<Line> {
    cmp.groups
        .iter()
        .enumerate()
        .map(|(i, g)| Line {
            colour: scenario_colour(i),
            dashed: i >= OKABE_ITO.len(),
            points: cmp.mean_series(g, series),
        })
        .collect()
}

pub(super) fn population<'a>(city: &'a str) -> impl Fn(&Run) -> Option<&Series> + Copy + 'a {
    move |r: &Run| r.data.population.get(city)
}

pub(super) fn indicator<'a>(name: &'a str) -> impl Fn(&Run) -> Option<&Series> + Copy + 'a {
    move |r: &Run| r.data.indicators.get(name)
}

/// A panel of one indicator: its label as the title, its unit on the axis.
fn indicator_panel<DB: DrawingBackend>(
    cmp: &Comparison,
    area: &DrawingArea<DB, Shift>,
    entry: &'static Indicator,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let named = entry
        .resolve(&cmp.places)
        .ok_or("the chart is drawn only where the indicator applies")?;
    let ls = lines(cmp, indicator(&named.name));
    line_panel(area, &named.label, named.unit.name(), &ls, None)
}

/// The legend of scenarios, drawn as a strip above the panels.
fn scenario_legend<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let entries: Vec<(String, RGBColor, bool)> = cmp
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.label.clone(), scenario_colour(i), i >= OKABE_ITO.len()))
        .collect();
    legend(area, &entries, false)
}

/// Entries laid out left to right, wrapping; each a line (or, `boxes`, a filled square)
/// in its colour and its label.
pub(super) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, bool)],
    boxes: bool,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let style = font(18).pos(Pos::new(HPos::Left, VPos::Center));
    let width = area.dim_in_pixel().0 as i32;
    let (mut x, mut y) = (20, 16);
    for (label, colour, dashed) in entries {
        let (tw, _) = area.estimate_text_size(label, &style)?;
        if x + 50 + tw as i32 > width - 10 && x > 20 {
            (x, y) = (20, y + 28);
        }
        if boxes {
            area.draw(&Rectangle::new(
                [(x, y - 8), (x + 28, y + 8)],
                colour.filled(),
            ))?;
        } else if *dashed {
            let pts = vec![(x, y), (x + 28, y)];
            area.draw(&plotters::element::DashedPathElement::new(
                pts,
                6,
                4,
                colour.stroke_width(3),
            ))?;
        } else {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 28, y)],
                colour.stroke_width(3),
            ))?;
        }
        area.draw_text(label, &style, (x + 36, y))?;
        x += 60 + tw as i32;
    }
    Ok(())
}

/// A scale for values shown on an axis: (divisor, unit words).
fn magnitude(max: f64, unit: &str) -> (f64, String) {
    if max >= 1e6 {
        (1e6, format!("{unit}, millions"))
    } else if max >= 1e4 {
        (1e3, format!("{unit}, thousands"))
    } else {
        (1.0, unit.to_string())
    }
}

/// A tick label, with no minus sign on a zero ("-0.00").
fn tick(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// Decimals that tell apart ticks about `span / 5` apart.
fn tick_decimals(span: f64) -> usize {
    if span <= 0.0 {
        return 2;
    }
    let step_exp = (span / 5.0).dln() / 10f64.dln();
    (-step_exp.floor()).clamp(0.0, 6.0) as usize
}

/// The axes of a line chart: years, and values (divided by `div`) with some air.
struct Axes {
    years: (i32, i32),
    values: (f64, f64),
    div: f64,
    unit: String,
}

fn axes(lines: &[Line], reference: Option<f64>, unit: &str) -> Axes {
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let x0 = all().map(|(y, _)| *y).min().unwrap_or(0);
    let x1 = all().map(|(y, _)| *y).max().unwrap_or(1).max(x0 + 1);
    let ends = |e: &Estimate| e.interval().unwrap_or((e.mean, e.mean));
    let lo = all().map(|(_, e)| ends(e).0).chain(reference);
    let hi = all().map(|(_, e)| ends(e).1).chain(reference);
    let (lo, hi) = (
        lo.fold(f64::INFINITY, f64::min),
        hi.fold(f64::NEG_INFINITY, f64::max),
    );
    let (div, unit) = magnitude(lo.abs().max(hi.abs()), unit);
    let (lo, hi) = (lo / div, hi / div);
    // A flat line still gets a visible range.
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(1e-9) * 0.002);
    // Nothing but zeros (a lever no scenario pulls) gets a unit range, not 1e-9.
    let pad = if lo == 0.0 && hi == 0.0 { 1.0 } else { pad };
    Axes {
        years: (x0, x1),
        values: (lo - pad, hi + pad),
        div,
        unit,
    }
}

type YearChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordi32, RangedCoordf64>>;

/// A scenario's band (where replicates give intervals) and its mean line.
fn draw_line<DB: DrawingBackend>(chart: &mut YearChart<DB>, l: &Line, div: f64) -> Drawn
where
    DB::ErrorType: 'static,
{
    let band: Vec<(i32, f64, f64)> = l
        .points
        .iter()
        .filter_map(|(y, e)| e.interval().map(|(a, b)| (*y, a / div, b / div)))
        .collect();
    if band.len() >= 2 {
        let mut poly: Vec<(i32, f64)> = band.iter().map(|(y, _, b)| (*y, *b)).collect();
        poly.extend(band.iter().rev().map(|(y, a, _)| (*y, *a)));
        let shade = l.colour.mix(0.18).filled();
        chart.draw_series(std::iter::once(Polygon::new(poly, shade)))?;
    }
    let pts: Vec<(i32, f64)> = l.points.iter().map(|(y, e)| (*y, e.mean / div)).collect();
    if l.dashed {
        chart.draw_series(DashedLineSeries::new(pts, 8, 5, l.colour.stroke_width(3)))?;
    } else {
        chart.draw_series(LineSeries::new(pts, l.colour.stroke_width(3)))?;
    }
    Ok(())
}

/// A line chart of the scenarios over the years, with an optional labelled horizontal
/// reference line (a cap).
pub(super) fn line_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    unit: &str,
    lines: &[Line],
    reference: Option<(f64, String)>,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let ax = axes(lines, reference.as_ref().map(|r| r.0), unit);
    panel_on(area, title, &ax, lines, reference)
}

/// A line panel on given axes, so that several panels can share them.
fn panel_on<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    ax: &Axes,
    lines: &[Line],
    reference: Option<(f64, String)>,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let ((x0, x1), (lo, hi)) = (ax.years, ax.values);
    let decimals = tick_decimals(hi - lo);
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(23))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(54)
        .y_label_area_size(100)
        .build_cartesian_2d(x0..x1, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("year")
        .y_desc(ax.unit.as_str())
        .x_labels(((x1 - x0) as usize + 1).min(8))
        .y_labels(6)
        .x_label_formatter(&|y| y.to_string())
        .y_label_formatter(&|v| tick(*v, decimals))
        .label_style(font(17))
        .axis_desc_style(font(18))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(210, 210, 210))
        .draw()?;
    for l in lines {
        draw_line(&mut chart, l, ax.div)?;
    }
    if let Some((v, label)) = reference {
        let v = v / ax.div;
        let style = GREY.stroke_width(2);
        chart.draw_series(DashedLineSeries::new(vec![(x0, v), (x1, v)], 10, 6, style))?;
        let pos = Pos::new(HPos::Right, VPos::Bottom);
        let text = EmptyElement::at((x1, v)) + Text::new(label, (-4, -6), font(17).pos(pos));
        chart.draw_series(std::iter::once(text))?;
    }
    Ok(())
}

fn populations<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (top, rest) = area.split_vertically(60);
    scenario_legend(cmp, &top)?;
    let region = cmp.region();
    let start = cmp.years[0];
    // A new area grows from little: on the others' scale it would flatten them all.
    let own_scale = |name: &str| region.new_area.as_deref() == Some(name);
    let mut panels_lines = Vec::new();
    for city in &region.cities {
        let ls = lines(cmp, population(&city.name));
        let first = ls
            .first()
            .and_then(|l| l.points.first())
            .map(|(_, e)| e.mean);
        let own = if own_scale(&city.name) {
            ", own scale"
        } else {
            ""
        };
        let title = match first {
            Some(v) => format!("{} ({}{own})", city.name, short(v)),
            None => city.name.clone(),
        };
        let ls: Vec<Line> = ls.into_iter().map(percent_change).collect();
        panels_lines.push((title, own_scale(&city.name), ls));
    }
    let unit = format!("% change since {start}");
    let shared: Vec<Line> = (panels_lines.iter())
        .filter(|(_, own, _)| !own)
        .flat_map(|(_, _, ls)| ls.iter().cloned())
        .collect();
    let ax = axes(&shared, Some(0.0), &unit);
    let rows = region.cities.len().div_ceil(CITY_COLUMNS);
    let panels = rest.split_evenly((rows, CITY_COLUMNS));
    for ((title, own, ls), panel) in panels_lines.iter().zip(&panels) {
        let mine;
        let ax = if *own {
            mine = axes(ls, Some(0.0), &unit);
            &mine
        } else {
            &ax
        };
        panel_on(panel, title, ax, ls, None)?;
    }
    Ok(())
}

/// A count in few characters: 21.9 million, 3.14 million, 985,000.
fn short(v: f64) -> String {
    match v.abs() {
        a if a >= 1e7 => format!("{:.1} million", v / 1e6),
        a if a >= 1e6 => format!("{:.2} million", v / 1e6),
        _ => crate::output::human_in(v, CITY_POPULATION.unit),
    }
}

/// A line of levels as the percent change from its first year (whose interval, where
/// replicates give one, is taken as fixed: the start year is the same data in every run).
fn percent_change(l: Line) -> Line {
    let Some(base) = l.points.first().map(|(_, e)| e.mean).filter(|b| *b != 0.0) else {
        return l;
    };
    let k = 100.0 / base;
    let points = (l.points.iter())
        .map(|&(y, e)| (y, e.rescaled(base, k)))
        .collect();
    Line { points, ..l }
}

fn capital_cap<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let region = cmp.region();
    let (top, rest) = area.split_vertically(60);
    scenario_legend(cmp, &top)?;
    let ls = lines(cmp, |r: &Run| r.data.population.get(&region.capital));
    let cap = region
        .cities
        .iter()
        .find(|c| c.name == region.capital)
        .and_then(|c| c.population_cap)
        .map(|c| {
            (
                c as f64,
                format!("population cap: {:.1} million", c as f64 / 1e6),
            )
        });
    let title = CITY_POPULATION.city_label(&region.capital);
    line_panel(&rest, &title, CITY_POPULATION.unit.name(), &ls, cap)
}

fn new_area<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (top, rest) = area.split_vertically(60);
    scenario_legend(cmp, &top)?;
    let halves = rest.split_evenly((1, 2));
    indicator_panel(cmp, &halves[0], &ind::NEW_AREA_POPULATION)?;
    indicator_panel(cmp, &halves[1], &ind::NEW_AREA_FIRMS)
}

fn dispersion<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (top, rest) = area.split_vertically(60);
    scenario_legend(cmp, &top)?;
    indicator_panel(cmp, &rest, &ind::OUTPUT_PER_HEAD_CV)
}

/// A simple line chart (for a calibration's convergence): named series of (x, y)
/// points on shared axes, as SVG text and PNG bytes, drawn with the report's font and
/// palette.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(&str, Vec<(f64, f64)>)],
) -> Result<(String, Vec<u8>)> {
    let spec = LineSpec {
        title,
        x_label,
        y_label,
        series,
    };
    both(&spec, 720, 420)
}

/// A figure drawn the same way on either backend.
pub(super) trait Figure {
    /// What an error names it by.
    fn name(&self) -> String;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

/// Draws a figure on an SVG and on a bitmap of `w` x `h`: the SVG text and PNG bytes.
pub(super) fn both(fig: &impl Figure, w: u32, h: u32) -> Result<(String, Vec<u8>)> {
    register_font()?;
    let fail = |e: Box<dyn std::error::Error>| Error::Output {
        file: fig.name(),
        message: e.to_string(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        fig.draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.into()))?;
    }
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = Bitmap(BitMapBackend::with_buffer(&mut rgb, (w, h))).into_drawing_area();
        fig.draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.into()))?;
    }
    Ok((svg, encode_png(&rgb, w, h).map_err(fail)?))
}

impl Figure for LineSpec<'_> {
    fn name(&self) -> String {
        "line chart".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        draw_lines(root, self)
    }
}

struct LineSpec<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [(&'a str, Vec<(f64, f64)>)],
}

fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &LineSpec) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in spec.series.iter().flat_map(|(_, p)| p.iter()) {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let pad = ((y1 - y0) * 0.08).max(1e-9);
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(spec.title, font(18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1.max(x0 + 1.0), y0.min(0.0)..y1 + pad)?;
    chart
        .configure_mesh()
        .x_desc(spec.x_label)
        .y_desc(spec.y_label)
        .label_style(font(12))
        .axis_desc_style(font(13))
        .draw()?;
    for (i, (name, pts)) in spec.series.iter().enumerate() {
        let colour = scenario_colour(i);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
    }
    chart
        .configure_series_labels()
        .label_font(font(12))
        .border_style(GREY)
        .background_style(WHITE)
        .draw()?;
    Ok(())
}
