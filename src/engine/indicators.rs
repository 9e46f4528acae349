//! The one catalogue of what a run reports: every region-level indicator and every value
//! column of the per-city, per-sector and flow tables, with its name as written in the
//! data, its unit, a label for people, a one-line description and how it is computed.
//!
//! It lives beside `record`, which computes the values, so that a new indicator is
//! added in one place; the step record, the Parquet metadata, `relocsim schema`, the run
//! summary, `summarize` and `compare` all read names, units and labels from here instead
//! of spelling or guessing them.
//!
//! Some indicators are named after the region's capital, new area or hinterland. Their
//! texts hold `{capital}`, `{new_area}` or `{hinterland}`, filled in by [`Places`]: with
//! the place's slug in a name (`beijing_population`), its name in a label or description
//! (`Beijing population`).

use super::record::CityRow;
use crate::region::RegionSpec;

/// Lower-case ASCII letters and digits of a name: "Xiong'an" -> "xiongan".
pub fn slug(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// What a value is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Persons,
    Firms,
    Jobs,
    YuanPerYear,
    BnYuan,
    Share,
    Index,
    IndexPerBnYuan,
    Ratio,
    Slope,
}

impl Unit {
    /// The unit as people read it in tables, on axes and in the Parquet metadata.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Persons => "persons",
            Unit::Firms => "firms",
            Unit::Jobs => "jobs",
            Unit::YuanPerYear => "yuan/year",
            Unit::BnYuan => "bn yuan",
            Unit::Share => "share",
            Unit::Index => "index",
            Unit::IndexPerBnYuan => "index per bn yuan",
            Unit::Ratio => "ratio",
            Unit::Slope => "log-log slope",
        }
    }

    /// Counts of real persons, firms and jobs: shown as whole numbers, although agents
    /// divided by the scale make them fractional.
    pub fn is_count(self) -> bool {
        matches!(self, Unit::Persons | Unit::Firms | Unit::Jobs)
    }
}

/// When a region records an indicator: some need a place or a cap the region may lack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    /// The capital has a population cap in the region data.
    CapitalCapped,
    /// The region names a new area.
    NewArea,
    /// The region names a hinterland province.
    Hinterland,
}

impl When {
    /// The condition in words, for the schema; empty for `Always`.
    pub fn describe(self) -> &'static str {
        match self {
            When::Always => "",
            When::CapitalCapped => "only when the region data caps the capital's population",
            When::NewArea => "only when the region names a new area",
            When::Hinterland => "only when the region names a hinterland",
        }
    }
}

/// A region-level indicator: one row per step in indicators.parquet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// The name in the data, with place holders.
    pub name: &'static str,
    pub unit: Unit,
    pub label: &'static str,
    pub description: &'static str,
    /// How `record` computes it.
    pub computed: &'static str,
    pub when: When,
}

/// An indicator with its places filled in, as one region's runs record it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub label: String,
    pub unit: Unit,
    pub description: String,
    pub entry: &'static Indicator,
}

/// The places a region names its indicators after.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Places {
    pub capital: String,
    pub capital_capped: bool,
    pub new_area: Option<String>,
    pub hinterland: Option<String>,
}

impl Places {
    pub fn of(spec: &RegionSpec) -> Places {
        let capped = spec
            .cities
            .iter()
            .any(|c| c.name == spec.capital && c.population_cap.is_some());
        Places {
            capital: spec.capital.clone(),
            capital_capped: capped,
            new_area: spec.new_area.clone(),
            hinterland: spec.hinterland.clone(),
        }
    }

    fn holds(&self, when: When) -> bool {
        match when {
            When::Always => true,
            When::CapitalCapped => self.capital_capped,
            When::NewArea => self.new_area.is_some(),
            When::Hinterland => self.hinterland.is_some(),
        }
    }

    /// The place a holder stands for, if the region has it.
    fn place(&self, holder: &str) -> Option<&str> {
        match holder {
            "capital" => Some(&self.capital),
            "new_area" => self.new_area.as_deref(),
            "hinterland" => self.hinterland.as_deref(),
            _ => None,
        }
    }

    /// `text` with every `{holder}` replaced by its place (slugged for names); None if a
    /// holder names a place the region lacks.
    pub fn fill(&self, text: &str, as_name: bool) -> Option<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}')?;
            let place = self.place(&rest[open + 1..close])?;
            out.push_str(&rest[..open]);
            out.push_str(&if as_name { slug(place) } else { place.into() });
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}

impl Indicator {
    /// The indicator as a region with `places` records it; None if it records none.
    pub fn resolve(&'static self, places: &Places) -> Option<Named> {
        if !places.holds(self.when) {
            return None;
        }
        Some(Named {
            name: places.fill(self.name, true)?,
            label: places.fill(self.label, false)?,
            unit: self.unit,
            description: places.fill(self.description, false)?,
            entry: self,
        })
    }

    /// The name in the data of a region with `places`.
    pub fn name_in(&'static self, places: &Places) -> Option<String> {
        self.resolve(places).map(|n| n.name)
    }
}

/// Every indicator a region with `places` records, in the order `record` writes them.
pub fn recorded(places: &Places) -> Vec<Named> {
    ALL.iter().filter_map(|i| i.resolve(places)).collect()
}

/// The headline indicators of a region with `places`, in reporting order.
pub fn headline(places: &Places) -> Vec<Named> {
    HEADLINE.iter().filter_map(|i| i.resolve(places)).collect()
}

/// The indicator a region with `places` records under `name`.
pub fn find(places: &Places, name: &str) -> Option<Named> {
    recorded(places).into_iter().find(|n| n.name == name)
}

/// A value as `record` holds it: agents (divided by the scale to become real units in
/// the files), or a real quantity already.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    Agents(u64),
    /// Firms as a sum of agent weights (`crate::agents::FULL_WEIGHT` per whole agent).
    Firms(u64),
    Real(f64),
}

impl Amount {
    /// The value in real units, given 1 / scale.
    pub fn real(self, per_agent: f64) -> f64 {
        match self {
            Amount::Agents(n) => n as f64 * per_agent,
            Amount::Firms(w) => crate::agents::firm_agents(w) * per_agent,
            Amount::Real(v) => v,
        }
    }
}

/// A value column of a per-row table (cities, city_sectors, flows): rows of type `R`.
pub struct Column<R: 'static> {
    pub name: &'static str,
    pub unit: Unit,
    /// Lower case, to follow a city's name: "Beijing population".
    pub label: &'static str,
    pub description: &'static str,
    pub computed: &'static str,
    /// The value of a row, read from the step record.
    pub value: fn(&R) -> Amount,
}

// Derived Clone would ask R: Clone, which the fields do not need.
impl<R> Clone for Column<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Column<R> {}

impl<R> Column<R> {
    /// "Beijing population": the column's label for one city.
    pub fn city_label(&self, city: &str) -> String {
        format!("{city} {}", self.label)
    }
}

/// `name` among the value columns of cities.parquet.
pub fn city_column(name: &str) -> Option<&'static Column<CityRow>> {
    CITY.iter().find(|c| c.name == name)
}

mod catalogue;
pub use catalogue::*;

#[cfg(test)]
mod tests;
