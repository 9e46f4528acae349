//! Charts of a sensitivity study, drawn as the report's charts are (its font and
//! palette, SVG and PNG): the Morris μ*–σ plane (how much a parameter matters against
//! how unevenly: interactions or curvature), and Sobol's first-order and total indices
//! as bars with their bootstrap intervals.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{Drawn, Figure, GREY, OKABE_ITO, both, font};
use crate::error::Result;

/// A parameter's Morris statistics: its label, μ* with its interval, and σ.
pub struct MorrisPoint {
    pub label: String,
    pub mu_star: (f64, f64, f64),
    pub sigma: f64,
}

/// A parameter's Sobol indices: its label, S1 and ST, each (estimate, lower, upper).
pub struct SobolBar {
    pub label: String,
    pub first: (f64, f64, f64),
    pub total: (f64, f64, f64),
}

/// Points labelled on the Morris plane, and bars on the Sobol chart: the most
/// influential, so the names stay readable.
const SHOWN: usize = 12;

/// The μ*–σ plane of one output, as SVG text and PNG bytes; `unit` names the axes'.
pub fn morris_chart(title: &str, unit: &str, points: &[MorrisPoint]) -> Result<(String, Vec<u8>)> {
    both(
        &Morris {
            title,
            unit,
            points,
        },
        760,
        520,
    )
}

/// The S1 and ST bars of one output (the parameters of largest ST first).
pub fn sobol_chart(title: &str, bars: &[SobolBar]) -> Result<(String, Vec<u8>)> {
    let n = bars.len().min(SHOWN);
    let h = 140 + 44 * n as u32;
    both(
        &Sobol {
            title,
            bars: &bars[..n],
        },
        760,
        h,
    )
}

struct Morris<'a> {
    title: &'a str,
    unit: &'a str,
    points: &'a [MorrisPoint],
}

impl Figure for Morris<'_> {
    fn name(&self) -> String {
        format!("chart {}", self.title)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        draw_morris(root, self.title, self.unit, self.points)
    }
}

struct Sobol<'a> {
    title: &'a str,
    bars: &'a [SobolBar],
}

impl Figure for Sobol<'_> {
    fn name(&self) -> String {
        format!("chart {}", self.title)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        draw_sobol(root, self.title, self.bars)
    }
}

fn draw_morris<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    unit: &str,
    points: &[MorrisPoint],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let xmax = (points.iter())
        .map(|p| finite(p.mu_star.2).max(finite(p.mu_star.0)))
        .fold(0.0, f64::max)
        .max(1e-12)
        * 1.1;
    let ymax = points
        .iter()
        .map(|p| finite(p.sigma))
        .fold(0.0, f64::max)
        .max(1e-12)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, font(17))
        .margin(14)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(78)
        .build_cartesian_2d(0.0..xmax, 0.0..ymax)?;
    let number = |v: &f64| {
        if *v == 0.0 {
            "0".into()
        } else {
            crate::output::human(*v)
        }
    };
    chart
        .configure_mesh()
        .x_desc(format!("μ*: mean absolute effect over the range ({unit})"))
        .y_desc(format!("σ: spread of the effects ({unit})"))
        .x_label_formatter(&number)
        .y_label_formatter(&number)
        .label_style(font(12))
        .axis_desc_style(font(13))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    // σ = μ*: above it, a parameter's effect depends on the others or is far from linear.
    let top = xmax.min(ymax);
    chart.draw_series(LineSeries::new(
        [(0.0, 0.0), (top, top)],
        GREY.stroke_width(1),
    ))?;
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[b].mu_star.0.total_cmp(&points[a].mu_star.0));
    let colour = OKABE_ITO[4];
    for (rank, &i) in order.iter().enumerate() {
        let p = &points[i];
        let (m, lo, hi) = p.mu_star;
        if lo.is_finite() && hi.is_finite() {
            chart.draw_series(LineSeries::new(
                [(lo, p.sigma), (hi, p.sigma)],
                colour.mix(0.5),
            ))?;
        }
        chart.draw_series([Circle::new((m, p.sigma), 4, colour.filled())])?;
        if rank < SHOWN {
            // Right of the point, or left of it in the plot's right half.
            let (h, dx) = if m > xmax / 2.0 {
                (HPos::Right, -6)
            } else {
                (HPos::Left, 6)
            };
            let style = font(12).pos(Pos::new(h, VPos::Bottom));
            let label =
                EmptyElement::at((m, p.sigma)) + Text::new(p.label.clone(), (dx, -3), style);
            chart.draw_series([label])?;
        }
    }
    Ok(())
}

fn draw_sobol<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[SobolBar],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = bars.len() as f64;
    let hi = (bars.iter())
        .flat_map(|b| [b.first.0, b.first.2, b.total.0, b.total.2])
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max)
        .min(1.5);
    let lo = (bars.iter())
        .flat_map(|b| [b.first.0, b.first.1])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::min)
        .max(-0.5);
    let width = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(8) as u32
        * 8
        + 24;
    let (legend_area, rest) = root.split_vertically(44);
    let mut chart = ChartBuilder::on(&rest)
        .margin(14)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(width.min(340))
        .build_cartesian_2d(lo..hi, 0.0..n.max(1.0))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("share of the output's variance")
        .label_style(font(12))
        .axis_desc_style(font(13))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    let (s1, st) = (OKABE_ITO[1], OKABE_ITO[4]);
    for (i, b) in bars.iter().enumerate() {
        let row = n - 1.0 - i as f64;
        for ((v, l, u), colour, (y0, y1)) in [
            (b.total, st, (row + 0.12, row + 0.48)),
            (b.first, s1, (row + 0.52, row + 0.88)),
        ] {
            chart.draw_series([Rectangle::new([(0.0, y0), (v, y1)], colour.filled())])?;
            if l.is_finite() && u.is_finite() {
                let mid = (y0 + y1) / 2.0;
                chart.draw_series(LineSeries::new([(l, mid), (u, mid)], BLACK.stroke_width(1)))?;
            }
        }
        let right = font(12).pos(Pos::new(HPos::Right, VPos::Center));
        let label = EmptyElement::at((lo, row + 0.5)) + Text::new(b.label.clone(), (-8, 0), right);
        chart.draw_series([label])?;
    }
    let entries = [("S1: alone", s1), ("ST: with its interactions", st)];
    let left = font(13).pos(Pos::new(HPos::Left, VPos::Center));
    legend_area.draw(&Text::new(title.to_string(), (14, 12), font(16)))?;
    for (j, (name, colour)) in entries.iter().enumerate() {
        let x = 20 + 240 * j as i32;
        legend_area.draw(&Rectangle::new([(x, 28), (x + 14, 40)], colour.filled()))?;
        legend_area.draw(&Text::new(name.to_string(), (x + 20, 34), left.clone()))?;
    }
    Ok(())
}
