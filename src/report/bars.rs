//! The chart of firms moved out of the capital by destination: one horizontal bar per
//! scenario, stacked by destination, summed over the run. Seven destinations are named
//! (the palette has seven colours besides black) and the rest grouped, so colours never
//! repeat within a bar.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Comparison;
use super::charts::{Drawn, GREY, OKABE_ITO, font, legend};
use crate::engine::indicators::FLOW_FIRMS;
use crate::output::human_in as number;

const OTHER: &str = "other cities";

/// Each scenario's mean over replicates of the firms moved out of the capital to each
/// destination over the run, destinations ordered by their total over the scenarios.
fn firms_out_by_destination(cmp: &Comparison) -> (Vec<String>, Vec<Vec<f64>>) {
    let capital = &cmp.region().capital;
    let dests: Vec<String> = cmp
        .region()
        .cities
        .iter()
        .map(|c| c.name.clone())
        .filter(|c| c != capital)
        .collect();
    let per_group: Vec<Vec<f64>> = cmp
        .groups
        .iter()
        .map(|g| {
            dests
                .iter()
                .map(|d| {
                    let key = (capital.clone(), d.clone());
                    let sum: f64 = g
                        .runs
                        .iter()
                        .map(|r| r.data.flows.get(&key).map_or(0.0, |m| m.firms))
                        .sum();
                    sum / g.runs.len() as f64
                })
                .collect()
        })
        .collect();
    let total = |j: usize| per_group.iter().map(|v| v[j]).sum::<f64>();
    let mut order: Vec<usize> = (0..dests.len()).collect();
    order.sort_by(|&a, &b| total(b).total_cmp(&total(a)).then(dests[a].cmp(&dests[b])));
    let names = order.iter().map(|&j| dests[j].clone()).collect();
    let values = per_group
        .iter()
        .map(|v| order.iter().map(|&j| v[j]).collect())
        .collect();
    (names, values)
}

/// The seven largest destinations by name, the rest as one "other cities" segment.
fn top_destinations(names: Vec<String>, values: Vec<Vec<f64>>) -> (Vec<String>, Vec<Vec<f64>>) {
    const NAMED: usize = 7;
    if names.len() <= NAMED + 1 {
        return (names, values);
    }
    let mut keep: Vec<String> = names[..NAMED].to_vec();
    keep.push(OTHER.into());
    let values = values
        .into_iter()
        .map(|v| {
            let mut top = v[..NAMED].to_vec();
            top.push(v[NAMED..].iter().sum());
            top
        })
        .collect();
    (keep, values)
}

pub(super) fn draw<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (names, values) = firms_out_by_destination(cmp);
    let (names, values) = top_destinations(names, values);
    let colours = destination_colours(&names);
    let (top, rest) = area.split_vertically(70);
    let entries: Vec<(String, RGBColor, bool)> = names
        .iter()
        .zip(&colours)
        .map(|(n, c)| (n.clone(), *c, false))
        .collect();
    legend(&top, &entries, true)?;
    let labels: Vec<String> = cmp.groups.iter().map(|g| g.label.clone()).collect();
    let n = labels.len() as f64;
    let xmax = values
        .iter()
        .map(|v| v.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(8) as u32 * 11 + 24;
    // Rows are drawn by hand (bars between row + 0.15 and row + 0.85, labels at their
    // middle) rather than on a segmented axis, whose bands depend on the count.
    let mut chart = ChartBuilder::on(&rest)
        .margin(14)
        .margin_right(30)
        .x_label_area_size(52)
        .y_label_area_size(label_width.min(420))
        .build_cartesian_2d(0.0..xmax, 0.0..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(format!(
            "firms moved out of {} (real firms)",
            cmp.region().capital
        ))
        .x_label_formatter(&|v| number(*v, FLOW_FIRMS.unit))
        .label_style(font(18))
        .axis_desc_style(font(18))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    for (i, (v, label)) in values.iter().zip(&labels).enumerate() {
        // The baseline on top.
        bar(&mut chart, n - 1.0 - i as f64, label, v, &colours)?;
    }
    Ok(())
}

fn destination_colours(names: &[String]) -> Vec<RGBColor> {
    names
        .iter()
        .enumerate()
        .map(|(j, n)| {
            if n == OTHER {
                GREY
            } else {
                OKABE_ITO[1 + j % 7]
            }
        })
        .collect()
}

type BarChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// One scenario's stacked bar between `row` + 0.15 and `row` + 0.85, its name left of
/// the axis and its total at the end.
fn bar<DB: DrawingBackend>(
    chart: &mut BarChart<DB>,
    row: f64,
    label: &str,
    values: &[f64],
    colours: &[RGBColor],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let mut x = 0.0;
    for (w, colour) in values.iter().zip(colours) {
        let piece = Rectangle::new([(x, row + 0.15), (x + w, row + 0.85)], colour.filled());
        chart.draw_series(std::iter::once(piece))?;
        x += w;
    }
    let right = font(18).pos(Pos::new(HPos::Right, VPos::Center));
    let left = font(18).pos(Pos::new(HPos::Left, VPos::Center));
    let name = EmptyElement::at((0.0, row + 0.5)) + Text::new(label.to_string(), (-10, 0), right);
    let total =
        EmptyElement::at((x, row + 0.5)) + Text::new(number(x, FLOW_FIRMS.unit), (6, 0), left);
    chart.draw_series([name, total])?;
    Ok(())
}
