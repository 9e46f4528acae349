//! The observed record as data: a targets file names quantities a run reports (an
//! indicator, a city's or a province's column, a count of firm events) at a year or over
//! a span of years, with the observed value or range, its provenance tag, a tolerance, a
//! weight and its source. `relocsim targets FILE` prints one; `relocsim check` holds runs
//! against it (`fit`), and calibration will fit to it.
//!
//! A file is checked as scenarios are: every unknown key, wrong type and unknown name
//! (quantity, city, province, sector) is reported at once with FILE:LINE:COLUMN and the
//! valid names.

pub mod fit;

use std::path::Path;

use serde::Deserialize;

use crate::engine::indicators::{self, CITY, CITY_SECTOR, Places, Unit};
use crate::error::Result;
use crate::region::RegionSpec;
use crate::scenario::validate::{scan_targets, suggest};

/// A targets file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    pub targets: Header,
    #[serde(rename = "target", default)]
    pub list: Vec<Target>,
}

/// The `[targets]` table: the file's name and its two windows of years.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    /// The region the targets describe (informative).
    #[serde(default)]
    pub region: Option<String>,
    /// First and last year of the fit window.
    pub fit: Vec<i32>,
    /// First and last year of the held-out window.
    pub holdout: Vec<i32>,
}

/// One observed quantity.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    pub quantity: String,
    /// A city of the region, or a province (its cities together); none for the region.
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub sector: Option<String>,
    /// For `firms_arriving`: where the firms come from (cities or provinces).
    #[serde(default)]
    pub from: Option<Vec<String>>,
    /// For firm events: `market`, `policy` (any policy), or a policy kind; all if none.
    #[serde(default)]
    pub cause: Option<String>,
    /// A value at the end of this year.
    #[serde(default)]
    pub year: Option<i32>,
    /// A flow summed over these years, first and last included.
    #[serde(default)]
    pub years: Option<Vec<i32>>,
    #[serde(default)]
    pub observed: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    pub tag: String,
    /// Relative: the band around the observed value (or range) a simulated mean must lie
    /// in, as a share of it.
    pub tolerance: f64,
    /// In the distance; 0 shows the target in the fit table without fitting it (a series
    /// break, say, that no parameter should chase).
    #[serde(default)]
    pub weight: Option<f64>,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Default weights by provenance: published figures count most.
pub const TAG_WEIGHTS: [(&str, f64); 3] = [("V", 3.0), ("D", 2.0), ("M", 1.0)];

/// Quantities counted from events.parquet, over a span of years.
pub const FIRMS_LEAVING: &str = "firms_leaving";
pub const FIRMS_ARRIVING: &str = "firms_arriving";
/// A ratio of two city columns, each summed over the place: the quantity's name, the
/// numerator and the denominator. Named as the region's indicator, which it equals when
/// no city is given.
pub const RATIOS: [(&str, &str, &str); 1] = [("unemployment_rate", "unemployed", "labour_force")];

/// Growth over the year before, of a city column summed over the place: the quantity's
/// name and the column. Output is in constant prices, so its growth is real growth.
pub const GROWTH: [(&str, &str); 2] = [
    ("output_growth", "output"),
    ("population_growth", "population"),
];

/// City columns that are flows within a year, which a span of years sums.
const CITY_FLOWS: [&str; 4] = [
    "births",
    "deaths",
    "arrivals_from_outside",
    "departures_to_outside",
];

/// What a target's quantity is read from.
#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    /// A column of cities.parquet, summed over the cities of the place.
    City(&'static str),
    /// A column of city_sectors.parquet for one sector, summed over the place's cities.
    Sector(&'static str),
    /// A region-level indicator of indicators.parquet.
    Indicator(String),
    /// Exits and moves of firms located in the place.
    FirmsLeaving,
    /// Moves and branches into the place from `from`.
    FirmsArriving,
    /// A city column of the place over its value the year before, minus 1.
    Growth(&'static str),
    /// One city column over another, each summed over the place.
    Ratio(&'static str, &'static str),
}

impl Target {
    /// The first and last year the target covers.
    pub fn span(&self) -> (i32, i32) {
        match (&self.year, &self.years) {
            (Some(y), _) => (*y, *y),
            (None, Some(v)) if v.len() == 2 => (v[0], v[1]),
            _ => (0, 0),
        }
    }

    /// The weight: as given, else by tag.
    pub fn weight(&self) -> f64 {
        self.weight.unwrap_or_else(|| {
            TAG_WEIGHTS
                .iter()
                .find(|(t, _)| *t == self.tag)
                .map_or(1.0, |(_, w)| *w)
        })
    }

    /// The observed range (equal ends for a point value); an open end is infinite.
    pub fn observed_range(&self) -> (f64, f64) {
        match self.observed {
            Some(v) => (v, v),
            None => (
                self.min.unwrap_or(f64::NEG_INFINITY),
                self.max.unwrap_or(f64::INFINITY),
            ),
        }
    }

    /// The observation as people read it: "21,730,000", "> 2,600", "24,000 to 28,000".
    pub fn observed_text(&self) -> String {
        let n = show;
        match (self.observed, self.min, self.max) {
            (Some(v), _, _) => n(v),
            (None, Some(lo), Some(hi)) => format!("{} to {}", n(lo), n(hi)),
            (None, Some(lo), None) => format!("> {}", n(lo)),
            (None, None, Some(hi)) => format!("< {}", n(hi)),
            _ => String::new(),
        }
    }

    /// "population of Beijing, 2016", "firms_arriving in Hebei from Beijing, 2015-2021".
    pub fn describe(&self) -> String {
        let mut s = self.quantity.clone();
        if let Some(sec) = &self.sector {
            s += &format!(" [{sec}]");
        }
        if let Some(c) = &self.city {
            s += &format!(" {} {c}", if self.from.is_some() { "in" } else { "of" });
        }
        if let Some(f) = &self.from {
            s += &format!(" from {}", f.join(" and "));
        }
        if let Some(c) = &self.cause {
            s += &format!(" ({c})");
        }
        let (a, b) = self.span();
        if a == b {
            format!("{s}, {a}")
        } else {
            format!("{s}, {a}-{b}")
        }
    }
}

impl TargetFile {
    /// Reads and checks a targets file against `region`; every problem at once.
    pub fn load(path: &Path, region: &RegionSpec) -> Result<TargetFile> {
        let text = crate::input::read_text(path)?;
        let file = path.display().to_string();
        TargetFile::parse(&text, &file, region)
    }

    /// [`TargetFile::load`] of a text; `file` names it in messages.
    pub fn parse(text: &str, file: &str, region: &RegionSpec) -> Result<TargetFile> {
        let mut checked = scan_targets(text, file);
        let Some(t) = checked.deserialize::<TargetFile>() else {
            return Err(checked.into_error());
        };
        let problems = t.problems(region);
        if checked.is_clean() && problems.is_empty() {
            return Ok(t);
        }
        problems.iter().for_each(|p| checked.add(p));
        Err(checked.into_error())
    }

    /// The problems of meaning: windows, names, years, observations.
    fn problems(&self, region: &RegionSpec) -> Vec<String> {
        let mut out = Vec::new();
        for (key, w) in [
            ("fit", &self.targets.fit),
            ("holdout", &self.targets.holdout),
        ] {
            if w.len() != 2 || w[0] > w[1] {
                out.push(format!(
                    "targets.{key} = {w:?}: give the first and last year, in order, as [2014, 2019]"
                ));
            }
        }
        if self.list.is_empty() {
            out.push("target: the file names no target; add [[target]] tables".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, t) in self.list.iter().enumerate() {
            let at = format!("target[{i}]");
            if !ids.insert(t.id.as_str()) {
                out.push(format!("{at}.id = {:?}: another target has this id", t.id));
            }
            out.extend(self.target_problems(t, &at, region));
        }
        out
    }

    fn target_problems(&self, t: &Target, at: &str, region: &RegionSpec) -> Vec<String> {
        let mut out = quantity_problems(t, at, region);
        out.extend(self.year_problems(t, at));
        if !TAG_WEIGHTS.iter().any(|(tag, _)| *tag == t.tag) {
            out.push(format!(
                "{at}.tag = {:?}: V (published), D (derived) or M (recalled)",
                t.tag
            ));
        }
        if !(t.tolerance > 0.0 && t.tolerance.is_finite()) {
            out.push(format!(
                "{at}.tolerance = {}: a positive share, as 0.05 for 5%",
                t.tolerance
            ));
        }
        if let Some(w) = t.weight
            && !(w >= 0.0 && w.is_finite())
        {
            out.push(format!(
                "{at}.weight = {w}: a number >= 0 (0 reports the target without fitting it)"
            ));
        }
        match (t.observed, t.min, t.max) {
            (Some(_), None, None) | (None, Some(_), None) | (None, None, Some(_)) => {}
            (None, Some(lo), Some(hi)) if lo <= hi => {}
            (None, Some(lo), Some(hi)) => out.push(format!(
                "{at}.min = {lo}: above max = {hi}; give the range in order"
            )),
            (None, None, None) => out.push(format!(
                "{at}.observed: missing; give observed = VALUE, or min and/or max for a range"
            )),
            _ => out.push(format!(
                "{at}.observed: give observed, or min and/or max, not both"
            )),
        }
        out
    }

    fn year_problems(&self, t: &Target, at: &str) -> Vec<String> {
        let mut out = Vec::new();
        let (a, b) = t.span();
        let (lo, hi) = (self.targets.fit.first(), self.targets.holdout.last());
        if let (Some(&lo), Some(&hi)) = (lo, hi)
            && (a < lo || b > hi)
            && a != 0
        {
            out.push(format!(
                "{at}.year: {a}-{b} lies outside the fit and held-out windows ({lo}-{hi})"
            ));
        }
        out
    }

    /// Which section a target falls in: the fit window if it ends within it.
    pub fn in_fit_window(&self, t: &Target) -> bool {
        self.targets
            .fit
            .get(1)
            .is_some_and(|&end| t.span().1 <= end)
    }

    /// The file as a markdown table, for `relocsim targets`.
    pub fn to_markdown(&self) -> String {
        let mut s = format!(
            "# {}\n\nFit window {}-{}; held out {}-{}. Weights by tag unless given: {}.\n\n",
            self.targets.name,
            self.targets.fit[0],
            self.targets.fit[1],
            self.targets.holdout[0],
            self.targets.holdout[1],
            TAG_WEIGHTS.map(|(t, w)| format!("[{t}] {w}")).join(", ")
        );
        s += "| id | quantity | observed | tag | tolerance | weight | window | source |\n";
        s += "|---|---|---|---|---|---|---|---|\n";
        for t in &self.list {
            let window = if self.in_fit_window(t) {
                "fit"
            } else {
                "held out"
            };
            s += &format!(
                "| {} | {} | {} | {} | {}% | {} | {} | {} |\n",
                t.id,
                t.describe(),
                t.observed_text(),
                t.tag,
                t.tolerance * 100.0,
                t.weight(),
                window,
                t.source.replace('|', "/")
            );
        }
        s
    }
}

/// The problems of what a target (or a sensitivity study's output) names: places,
/// cause, sector, the quantity and whether its keys fit it, and the shape of its years;
/// `at` is its key path (`target[3]`), which locates the messages.
pub fn quantity_problems(t: &Target, at: &str, region: &RegionSpec) -> Vec<String> {
    let mut out = Vec::new();
    let places = place_names(region);
    let named = t.city.iter().map(|c| ("city", c));
    let from = t.from.iter().flatten().map(|c| ("from", c));
    for (key, p) in named.chain(from) {
        if !places.iter().any(|x| x == p) {
            let valid = places.iter().map(String::as_str);
            out.push(format!(
                "{at}.{key} = {p:?}: no such city or province; {}",
                suggest(p, valid)
            ));
        }
    }
    if let Some(c) = &t.cause {
        let mut valid = vec!["market", "policy"];
        valid.extend(crate::policy::KINDS.iter().map(|k| k.name));
        if !valid.contains(&c.as_str()) {
            out.push(format!("{at}.cause = {c:?}: {}", suggest(c, valid)));
        }
    }
    let sectors: Vec<&str> = region.sectors.iter().map(|s| s.name.as_str()).collect();
    if let Some(s) = &t.sector
        && !sectors.contains(&s.as_str())
    {
        out.push(format!(
            "{at}.sector = {s:?}: no such sector; {}",
            suggest(s, sectors.iter().copied())
        ));
    }
    match quantity(t, region) {
        Err(p) => out.push(format!("{at}.quantity = {:?}: {p}", t.quantity)),
        Ok(q) => out.extend(fit_problems(t, &q, at, region)),
    }
    match (&t.year, &t.years) {
        (Some(_), Some(_)) => out.push(format!("{at}.years: give year or years, not both")),
        (None, None) => out.push(format!(
            "{at}.year: missing; give year = Y, or years = [FIRST, LAST] for a flow"
        )),
        (None, Some(v)) if v.len() != 2 || v[0] > v[1] => out.push(format!(
            "{at}.years = {v:?}: give the first and last year, in order, as [2015, 2018]"
        )),
        _ => {}
    }
    out
}

/// A value for the tables: counts as whole numbers (thousands separated from 1,000 up),
/// shares and rates with four decimals.
pub fn show(v: f64) -> String {
    if v.abs() >= 1000.0 {
        crate::output::human(v)
    } else if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

/// Cities and provinces of the region, in the region's order.
fn place_names(region: &RegionSpec) -> Vec<String> {
    let mut v: Vec<String> = region.cities.iter().map(|c| c.name.clone()).collect();
    for c in &region.cities {
        if !v.contains(&c.province) {
            v.push(c.province.clone());
        }
    }
    v
}

/// The indices of the cities a place names: a city, or every city of a province; every
/// city for none.
pub fn cities_of(region: &RegionSpec, place: Option<&str>) -> Vec<usize> {
    (0..region.cities.len())
        .filter(|&i| {
            let c = &region.cities[i];
            place.is_none_or(|p| c.name == p || (c.province == p && !is_city(region, p)))
        })
        .collect()
}

fn is_city(region: &RegionSpec, name: &str) -> bool {
    region.cities.iter().any(|c| c.name == name)
}

/// The quantity a target names, or why it names none.
pub fn quantity(t: &Target, region: &RegionSpec) -> std::result::Result<Quantity, String> {
    let q = t.quantity.as_str();
    if q == FIRMS_LEAVING {
        return Ok(Quantity::FirmsLeaving);
    }
    if q == FIRMS_ARRIVING {
        return Ok(Quantity::FirmsArriving);
    }
    if let Some((_, num, den)) = RATIOS.iter().find(|(name, ..)| *name == q) {
        return Ok(Quantity::Ratio(num, den));
    }
    if let Some((_, col)) = GROWTH.iter().find(|(name, _)| *name == q) {
        return Ok(Quantity::Growth(col));
    }
    if t.sector.is_some() {
        if let Some(c) = CITY_SECTOR.iter().find(|c| c.name == q) {
            return Ok(Quantity::Sector(c.name));
        }
    } else if let Some(c) = CITY.iter().find(|c| c.name == q) {
        return Ok(Quantity::City(c.name));
    }
    let places = Places::of(region);
    if indicators::find(&places, q).is_some() {
        return Ok(Quantity::Indicator(q.to_string()));
    }
    let mut valid: Vec<String> = vec![FIRMS_LEAVING.into(), FIRMS_ARRIVING.into()];
    valid.extend(GROWTH.iter().map(|(name, _)| name.to_string()));
    valid.extend(RATIOS.iter().map(|(name, ..)| name.to_string()));
    valid.extend(CITY.iter().map(|c| c.name.to_string()));
    valid.extend(
        CITY_SECTOR
            .iter()
            .map(|c| format!("{} (with sector)", c.name)),
    );
    valid.extend(indicators::recorded(&places).into_iter().map(|n| n.name));
    Err(format!(
        "no such quantity; {}",
        suggest(q, valid.iter().map(String::as_str))
    ))
}

/// Whether the keys a target gives fit its quantity.
fn fit_problems(t: &Target, q: &Quantity, at: &str, region: &RegionSpec) -> Vec<String> {
    let mut out = Vec::new();
    let flow = match q {
        Quantity::FirmsLeaving | Quantity::FirmsArriving => true,
        Quantity::City(name) => CITY_FLOWS.contains(name),
        _ => false,
    };
    if t.years.is_some() && !flow {
        out.push(format!(
            "{at}.years: {} is a value at a year, not a flow; give year = Y",
            t.quantity
        ));
    }
    if matches!(q, Quantity::Growth(_) | Quantity::Ratio(..)) && t.sector.is_some() {
        out.push(format!(
            "{at}.sector: {} is a quantity of the place, not of a sector; drop sector",
            t.quantity
        ));
    }
    if matches!(q, Quantity::Indicator(_)) && (t.city.is_some() || t.sector.is_some()) {
        out.push(format!(
            "{at}.city: {} is an indicator of the whole region; drop city and sector",
            t.quantity
        ));
    }
    if t.from.is_some() != (*q == Quantity::FirmsArriving) {
        out.push(format!(
            "{at}.from: only {FIRMS_ARRIVING} names where firms come from, and it must"
        ));
    }
    let events = matches!(q, Quantity::FirmsLeaving | Quantity::FirmsArriving);
    if t.cause.is_some() && !events {
        out.push(format!(
            "{at}.cause: only firm events ({FIRMS_LEAVING}, {FIRMS_ARRIVING}) have a cause"
        ));
    }
    if let Quantity::City(name) = q {
        let unit = CITY.iter().find(|c| c.name == *name).map(|c| c.unit);
        let additive = unit.is_some_and(|u| u.is_count() || u == Unit::BnYuan);
        let one_city = t.city.as_deref().is_some_and(|p| is_city(region, p));
        if !additive && !one_city {
            out.push(format!(
                "{at}.city: {name} does not add up over cities; name one city"
            ));
        }
    }
    out
}
