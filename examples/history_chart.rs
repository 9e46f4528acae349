//! Draws the README's chart of scenarios/history_2014_2023.toml beside the observed
//! record (data/observed/population.csv): the resident population of Beijing, Tianjin,
//! Hebei (Xiong'an included) and Xiong'an, simulated (mean of the seeds, with their
//! range) and observed (filled: [V]/[D]; hollow: [M]). A plain SVG, written by hand so
//! that the chart needs no font.
//!
//! `cargo run --release --example history_chart -- [SEEDS] [OUT.svg]`
//! (defaults 3 and docs/history_2014_2023.svg)

use std::fmt::Write;
use std::path::Path;

use relocsim::MemorySink;
use relocsim::engine::record::StepFrame;
use relocsim::region::Region;

const W: f64 = 960.0;
const H: f64 = 640.0;

struct Observed {
    year: i32,
    place: String,
    millions: f64,
    recalled: bool,
}

fn observed(root: &Path) -> Vec<Observed> {
    let text = std::fs::read_to_string(root.join("data/observed/population.csv"))
        .expect("data/observed/population.csv");
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.splitn(5, ',').collect();
            Observed {
                year: f[0].parse().expect("year"),
                place: f[1].to_string(),
                millions: f[2].parse().expect("population"),
                recalled: f[3] == "M",
            }
        })
        .collect()
}

/// The places of the chart and the cities each sums.
fn places(r: &Region) -> Vec<(&'static str, Vec<usize>)> {
    let one = |name: &str| vec![r.city_index(name).expect("a city")];
    vec![
        ("Beijing", one("Beijing")),
        ("Tianjin", one("Tianjin")),
        ("Hebei", r.hinterland_cities()),
        ("Xiong'an", one("Xiong'an")),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seeds: u64 = args.get(1).map_or(3, |s| s.parse().expect("seeds"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = args
        .get(2)
        .map_or(root.join("docs/history_2014_2023.svg"), Into::into);
    let path = root.join("scenarios/history_2014_2023.toml");
    let text = std::fs::read_to_string(&path).expect("the history scenario");
    let mut runs: Vec<Vec<StepFrame>> = Vec::new();
    let mut region = None;
    for seed in 0..seeds {
        let mut s = relocsim::scenario::Scenario::from_toml(&text, "history").expect("parses");
        s.scenario.seed += seed;
        let scale = s.scenario.scale;
        let r = relocsim::scenario::resolve(s, "history", root).expect("valid");
        let mut sink = MemorySink::default();
        relocsim::simulate(&r, &mut sink, |_, _| {}).expect("runs");
        region = Some((r.region.clone(), scale));
        runs.push(sink.frames);
    }
    let (region, scale) = region.expect("a run");
    let obs = observed(root);
    let mut svg = String::new();
    write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">"#
    )
    .unwrap();
    write!(svg, r#"<rect width="{W}" height="{H}" fill="white"/>"#).unwrap();
    for (i, (name, cities)) in places(&region).iter().enumerate() {
        let (x0, y0) = ((i % 2) as f64 * W / 2.0, (i / 2) as f64 * H / 2.0);
        let series: Vec<Vec<(i32, f64)>> = runs
            .iter()
            .map(|frames| {
                frames
                    .iter()
                    .map(|f| {
                        let agents: u64 = cities.iter().map(|&c| f.cities[c].population).sum();
                        (f.year, agents as f64 / scale / 1e6)
                    })
                    .collect()
            })
            .collect();
        let seen: Vec<&Observed> = obs.iter().filter(|o| o.place == *name).collect();
        panel(&mut svg, (x0, y0), name, &series, &seen);
    }
    svg.push_str("</svg>\n");
    std::fs::write(&out, svg).expect("the chart is written");
    println!("wrote {}", out.display());
}

/// One panel: the range of the seeds as a band, their mean as a line, observations as
/// dots, on axes from 2014 to 2035 and the data's range of millions.
fn panel(
    svg: &mut String,
    (x0, y0): (f64, f64),
    name: &str,
    series: &[Vec<(i32, f64)>],
    seen: &[&Observed],
) {
    let (left, right, top, bottom) = (
        x0 + 60.0,
        x0 + W / 2.0 - 20.0,
        y0 + 30.0,
        y0 + H / 2.0 - 40.0,
    );
    let values = series
        .iter()
        .flatten()
        .map(|p| p.1)
        .chain(seen.iter().map(|o| o.millions));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let pad = (hi - lo).max(0.1) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |year: f64| left + (year - 2014.0) / 21.0 * (right - left);
    let y = |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
    write!(svg, r#"<text x="{}" y="{}" font-size="14" font-weight="bold">{name}, population (millions)</text>"#, left, top - 10.0).unwrap();
    write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="#999"/>"##,
        right - left,
        bottom - top
    )
    .unwrap();
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#444">{v:.2}</text>"##,
            left - 5.0,
            y(v) + 4.0
        )
        .unwrap();
        write!(
            svg,
            r##"<line x1="{left}" x2="{right}" y1="{0}" y2="{0}" stroke="#eee"/>"##,
            y(v)
        )
        .unwrap();
    }
    for year in (2014..=2035).step_by(3) {
        write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#444">{year}</text>"##,
            x(f64::from(year)),
            bottom + 16.0
        )
        .unwrap();
    }
    let steps = series[0].len();
    let at = |t: usize| series.iter().map(move |s| s[t].1);
    let mut band = String::new();
    for (t, &(year, _)) in series[0].iter().enumerate() {
        let top_v = at(t).fold(f64::MIN, f64::max);
        write!(band, "{:.1},{:.1} ", x(f64::from(year)), y(top_v)).unwrap();
    }
    for t in (0..steps).rev() {
        let low_v = at(t).fold(f64::MAX, f64::min);
        write!(band, "{:.1},{:.1} ", x(f64::from(series[0][t].0)), y(low_v)).unwrap();
    }
    write!(
        svg,
        r##"<polygon points="{band}" fill="#0072B2" fill-opacity="0.2" stroke="none"/>"##
    )
    .unwrap();
    let mean: String = (0..steps)
        .map(|t| {
            let m = at(t).sum::<f64>() / series.len() as f64;
            format!("{:.1},{:.1} ", x(f64::from(series[0][t].0)), y(m))
        })
        .collect();
    write!(
        svg,
        r##"<polyline points="{mean}" fill="none" stroke="#0072B2" stroke-width="2"/>"##
    )
    .unwrap();
    for o in seen {
        let fill = if o.recalled { "white" } else { "#D55E00" };
        write!(svg, r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{fill}" stroke="#D55E00" stroke-width="1.5"/>"##, x(f64::from(o.year)), y(o.millions)).unwrap();
    }
    let (lx, ly) = (right - 110.0, top + 15.0);
    write!(
        svg,
        r##"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="#0072B2" stroke-width="2"/><text x="{}" y="{}">simulated</text>"##,
        lx + 20.0,
        lx + 25.0,
        ly + 4.0
    )
    .unwrap();
    write!(
        svg,
        r##"<circle cx="{}" cy="{}" r="4" fill="#D55E00"/><text x="{}" y="{}">observed</text>"##,
        lx + 10.0,
        ly + 16.0,
        lx + 25.0,
        ly + 20.0
    )
    .unwrap();
}
