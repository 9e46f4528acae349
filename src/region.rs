//! A region is data: locations with coordinates and initial state, and the sectors firms
//! belong to. Nothing about Jing-Jin-Ji is written in the engine; the embedded default is
//! `data/regions/jing-jin-ji.toml`, and a scenario may name a file of the same shape.

use std::collections::BTreeMap;

use crate::math::Det;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default region, compiled in so a fresh clone runs with no files beside the binary.
pub const EMBEDDED_JJJ: &str = include_str!("../data/regions/jing-jin-ji.toml");
pub const EMBEDDED_NAME: &str = "embedded:jing-jin-ji";

/// Labour-market constants shared by all cities.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Labour {
    pub labour_force_share: f64,
    pub unemployment_rate: f64,
    pub high_skill_wage_premium: f64,
    pub tax_rate: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    pub name: String,
    pub output_per_worker: f64,
    pub high_skill_share: f64,
    pub land_intensity: f64,
    pub pollution_intensity: f64,
    pub agglomeration: f64,
    pub port_affinity: f64,
    pub capital_tie: f64,
    pub tradable: bool,
    pub relocation_hazard: f64,
    pub exit_rate: f64,
    pub relative_firm_size: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name: String,
    pub province: String,
    pub lat: f64,
    pub lon: f64,
    pub population: u64,
    pub gdp_bn: f64,
    pub firms: u64,
    pub avg_wage: f64,
    pub housing_index: f64,
    pub public_services: f64,
    pub capacity: u64,
    /// A planned ceiling on residents, reported against in the indicators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_cap: Option<u64>,
    pub high_skill_share: f64,
    pub non_hukou_share: f64,
    pub port: bool,
    pub employment_shares: Vec<f64>,
}

/// A city's state in another base year: what differs from the primary state.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CityBase {
    pub population: u64,
    pub gdp_bn: f64,
    pub firms: u64,
}

/// The cities' state in a year other than `base_year`, so that a run may start then.
/// Attributes not given here (wages, prices, shares, capacities) are the primary
/// state's: the region file says so where it declares a base.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaseState {
    pub year: i32,
    /// Every city of the region by name.
    pub cities: BTreeMap<String, CityBase>,
}

/// Births and deaths per 1000 residents a year in the cities of a province, observed in
/// `year`; between observed years the rates are interpolated linearly, before the first
/// and after the last they are held.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VitalRates {
    pub province: String,
    pub year: i32,
    pub births_per_1000: f64,
    pub deaths_per_1000: f64,
}

/// The region as written in its file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    pub name: String,
    /// The year of the cities' own figures (population, gdp_bn, firms).
    pub base_year: i32,
    /// Further years a run may start in, with the figures that differ.
    #[serde(default, rename = "base", skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<BaseState>,
    /// Natural change by province; a province without rates has none (births and
    /// deaths are then zero).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vital_rates: Vec<VitalRates>,
    /// The city whose population, cap and out-moves head the indicators.
    pub capital: String,
    /// The receiving new area tracked in the indicators (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_area: Option<String>,
    /// The province whose share of output is tracked (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hinterland: Option<String>,
    pub labour: Labour,
    #[serde(rename = "sector")]
    pub sectors: Vec<Sector>,
    #[serde(rename = "city")]
    pub cities: Vec<City>,
}

/// A validated region with derived distances.
#[derive(Clone, Debug)]
pub struct Region {
    pub spec: RegionSpec,
    /// Great-circle distance in km, row-major `[from * n + to]`.
    pub distance_km: Vec<f64>,
    /// Index of the capital: "distance from Beijing" in the model.
    pub capital: usize,
    /// Index of the new area, if the region names one.
    pub new_area: Option<usize>,
}

/// Agents for `real` persons or firms at `scale`: at least one per city, so that every
/// city exists. Initialisation places this many; validation uses it to refuse scales too small to
/// fill the model.
pub fn agents_at(real: u64, scale: f64) -> u64 {
    (real as f64 * scale).round().max(1.0) as u64
}

/// Value added per worker (yuan) in city `c` for a sector of output_per_worker 1, such
/// that the city's employment in the base year reproduces its GDP then.
pub fn value_added_per_worker_yuan(region: &Region, c: usize) -> f64 {
    let city = region.city(c);
    let l = &region.spec.labour;
    let workers = city.population as f64 * l.labour_force_share * (1.0 - l.unemployment_rate);
    let mix: f64 = city
        .employment_shares
        .iter()
        .zip(&region.spec.sectors)
        .map(|(share, s)| share * s.output_per_worker)
        .sum();
    city.gdp_bn * 1e9 / (workers * mix)
}

impl Region {
    /// Validates a region given as data (inline in a scenario or manifest).
    pub fn checked(spec: RegionSpec, file: &str) -> Result<Region> {
        let problems = validate(&spec);
        if !problems.is_empty() {
            return Err(Error::Invalid {
                file: file.to_string(),
                problems,
            });
        }
        Ok(Region::from_spec(spec))
    }

    pub fn embedded() -> Region {
        // Checked once: a sweep resolves every scenario and variant against it.
        static EMBEDDED: std::sync::OnceLock<Region> = std::sync::OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                let spec = toml::from_str(EMBEDDED_JJJ).expect("the embedded region parses");
                Region::checked(spec, EMBEDDED_NAME).expect("the embedded region is valid")
            })
            .clone()
    }

    fn from_spec(spec: RegionSpec) -> Region {
        let n = spec.cities.len();
        let mut distance_km = vec![0.0; n * n];
        for (i, a) in spec.cities.iter().enumerate() {
            for (j, b) in spec.cities.iter().enumerate() {
                distance_km[i * n + j] = great_circle_km(a.lat, a.lon, b.lat, b.lon);
            }
        }
        let find = |n: &str| spec.cities.iter().position(|c| c.name == n);
        let capital = find(&spec.capital).unwrap_or(0);
        let new_area = spec.new_area.as_deref().and_then(find);
        Region {
            spec,
            distance_km,
            capital,
            new_area,
        }
    }

    /// SHA-256 of the canonical TOML of the region: the same data gives the same hash
    /// whether it came from a file, inline or the embedded default.
    pub fn sha256(&self) -> String {
        crate::digest::sha256_bytes(
            toml::to_string(&self.spec)
                .expect("region serialises")
                .as_bytes(),
        )
    }

    pub fn n_cities(&self) -> usize {
        self.spec.cities.len()
    }

    pub fn n_sectors(&self) -> usize {
        self.spec.sectors.len()
    }

    pub fn city(&self, i: usize) -> &City {
        &self.spec.cities[i]
    }

    pub fn sector(&self, s: usize) -> &Sector {
        &self.spec.sectors[s]
    }

    pub fn distance(&self, from: usize, to: usize) -> f64 {
        self.distance_km[from * self.n_cities() + to]
    }

    pub fn city_index(&self, name: &str) -> Option<usize> {
        self.spec.cities.iter().position(|c| c.name == name)
    }

    pub fn sector_index(&self, name: &str) -> Option<usize> {
        self.spec.sectors.iter().position(|s| s.name == name)
    }

    pub fn city_names(&self) -> Vec<&str> {
        self.spec.cities.iter().map(|c| c.name.as_str()).collect()
    }

    pub fn sector_names(&self) -> Vec<&str> {
        self.spec.sectors.iter().map(|s| s.name.as_str()).collect()
    }

    /// The years a run may start in, ascending.
    pub fn base_years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self.spec.bases.iter().map(|b| b.year).collect();
        years.push(self.spec.base_year);
        years.sort_unstable();
        years
    }

    /// The region with the state of `year` as its primary state (the former primary
    /// state kept as a base), or None if `year` is not a base year. Rebasing is a swap,
    /// so a region rebased and recorded in a manifest rebases back to the same data.
    pub fn at_year(&self, year: i32) -> Option<Region> {
        if year == self.spec.base_year {
            return Some(self.clone());
        }
        let mut spec = self.spec.clone();
        let at = spec.bases.iter().position(|b| b.year == year)?;
        let target = spec.bases.remove(at);
        let former = BaseState {
            year: spec.base_year,
            cities: spec
                .cities
                .iter()
                .map(|c| {
                    let state = CityBase {
                        population: c.population,
                        gdp_bn: c.gdp_bn,
                        firms: c.firms,
                    };
                    (c.name.clone(), state)
                })
                .collect(),
        };
        for c in &mut spec.cities {
            let b = &target.cities[&c.name];
            (c.population, c.gdp_bn, c.firms) = (b.population, b.gdp_bn, b.firms);
        }
        spec.base_year = year;
        spec.bases.push(former);
        spec.bases.sort_by_key(|b| b.year);
        Some(Region::from_spec(spec))
    }

    /// Births and deaths per resident in `year` for the cities of `province` (zero
    /// without rates): interpolated linearly between observed years, held outside them.
    pub fn vital_rates(&self, province: &str, year: i32) -> (f64, f64) {
        let mut obs: Vec<&VitalRates> = (self.spec.vital_rates.iter())
            .filter(|v| v.province == province)
            .collect();
        obs.sort_by_key(|v| v.year);
        let per = |v: &VitalRates| (v.births_per_1000 / 1000.0, v.deaths_per_1000 / 1000.0);
        let (Some(first), Some(last)) = (obs.first(), obs.last()) else {
            return (0.0, 0.0);
        };
        if year <= first.year {
            return per(first);
        }
        if year >= last.year {
            return per(last);
        }
        let i = obs
            .iter()
            .position(|v| v.year > year)
            .expect("inside the span");
        let (a, b) = (obs[i - 1], obs[i]);
        let t = f64::from(year - a.year) / f64::from(b.year - a.year);
        let ((ba, da), (bb, db)) = (per(a), per(b));
        (ba + t * (bb - ba), da + t * (db - da))
    }

    /// Indices of the cities of the hinterland province (none if the region names none).
    pub fn hinterland_cities(&self) -> Vec<usize> {
        let Some(h) = &self.spec.hinterland else {
            return Vec::new();
        };
        (0..self.n_cities())
            .filter(|&c| &self.city(c).province == h)
            .collect()
    }
}

fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).dsin().powi(2) + p1.dcos() * p2.dcos() * (dl / 2.0).dsin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().dasin()
}

fn check_range(problems: &mut Vec<String>, key: &str, v: f64, lo: f64, hi: f64) {
    if !v.is_finite() || v < lo || v > hi {
        problems.push(format!("{key} = {v}: must be a number in [{lo}, {hi}]"));
    }
}

/// Every problem in the region, so a user fixes them in one pass.
pub fn validate(spec: &RegionSpec) -> Vec<String> {
    let mut p = Vec::new();
    validate_sizes_and_names(spec, &mut p);
    let l = &spec.labour;
    for (key, v, lo, hi) in [
        ("labour.labour_force_share", l.labour_force_share, 0.01, 1.0),
        ("labour.unemployment_rate", l.unemployment_rate, 0.0, 0.9),
        (
            "labour.high_skill_wage_premium",
            l.high_skill_wage_premium,
            0.1,
            20.0,
        ),
        ("labour.tax_rate", l.tax_rate, 0.0, 1.0),
    ] {
        check_range(&mut p, key, v, lo, hi);
    }
    for (i, s) in spec.sectors.iter().enumerate() {
        if spec.sectors[..i].iter().any(|o| o.name == s.name) {
            p.push(format!("sector[{i}]: duplicate sector name {:?}", s.name));
        }
        validate_sector(i, s, &mut p);
    }
    for (i, c) in spec.cities.iter().enumerate() {
        if spec.cities[..i].iter().any(|o| o.name == c.name) {
            p.push(format!("city[{i}]: duplicate city name {:?}", c.name));
        }
        validate_city(i, c, spec.sectors.len(), &mut p);
    }
    validate_bases(spec, &mut p);
    validate_vital_rates(spec, &mut p);
    p
}

/// Every base names every city once, with residents its capacity holds, in a year of its
/// own.
fn validate_bases(spec: &RegionSpec, p: &mut Vec<String>) {
    for (i, b) in spec.bases.iter().enumerate() {
        let k = format!("base[{i}] (year {})", b.year);
        if b.year == spec.base_year || spec.bases[..i].iter().any(|o| o.year == b.year) {
            p.push(format!(
                "{k}.year = {}: a base year may be given once",
                b.year
            ));
        }
        for name in b.cities.keys() {
            if !spec.cities.iter().any(|c| &c.name == name) {
                let names: Vec<&str> = spec.cities.iter().map(|c| c.name.as_str()).collect();
                p.push(format!(
                    "{k}.cities.{name:?} is not a city of the region; valid: {}",
                    names.join(", ")
                ));
            }
        }
        for c in &spec.cities {
            let Some(s) = b.cities.get(&c.name) else {
                p.push(format!(
                    "{k}.cities: {:?} is missing; give every city",
                    c.name
                ));
                continue;
            };
            let f = |field: &str| format!("{k}.cities.{:?}.{field}", c.name);
            if s.population == 0 || s.population > c.capacity {
                p.push(format!(
                    "{} = {}: must be at least 1 and at most the capacity {}",
                    f("population"),
                    s.population,
                    c.capacity
                ));
            }
            check_range(p, &f("gdp_bn"), s.gdp_bn, 1e-6, 1e9);
        }
    }
}

/// Rates per 1000 that a population could have, once per province and year.
fn validate_vital_rates(spec: &RegionSpec, p: &mut Vec<String>) {
    for (i, v) in spec.vital_rates.iter().enumerate() {
        let k = format!("vital_rates[{i}] ({} {})", v.province, v.year);
        if !spec.cities.iter().any(|c| c.province == v.province) {
            p.push(format!(
                "{k}.province = {:?}: no city has that province",
                v.province
            ));
        }
        let seen = |o: &VitalRates| o.province == v.province && o.year == v.year;
        if spec.vital_rates[..i].iter().any(seen) {
            p.push(format!("{k}: given twice for the same province and year"));
        }
        check_range(
            p,
            &format!("{k}.births_per_1000"),
            v.births_per_1000,
            0.0,
            100.0,
        );
        check_range(
            p,
            &format!("{k}.deaths_per_1000"),
            v.deaths_per_1000,
            0.0,
            100.0,
        );
    }
}

/// How many cities and sectors, and the cities the region names (capital, new area) and
/// the province of its hinterland.
fn validate_sizes_and_names(spec: &RegionSpec, p: &mut Vec<String>) {
    if spec.cities.len() < 2 {
        p.push("a region needs at least 2 cities".into());
    }
    if spec.cities.len() > 250 {
        p.push(format!(
            "{} cities: at most 250 are supported",
            spec.cities.len()
        ));
    }
    if spec.sectors.is_empty() || spec.sectors.len() > 250 {
        p.push("a region needs between 1 and 250 sectors".into());
    }
    let names: Vec<&str> = spec.cities.iter().map(|c| c.name.as_str()).collect();
    let named = [
        ("capital", Some(&spec.capital)),
        ("new_area", spec.new_area.as_ref()),
    ];
    for (key, name) in named {
        if let Some(n) = name
            && !names.contains(&n.as_str())
        {
            p.push(format!(
                "{key} = {n:?} is not a city of the region; valid: {}",
                names.join(", ")
            ));
        }
    }
    if let Some(h) = &spec.hinterland
        && !spec.cities.iter().any(|c| &c.province == h)
    {
        p.push(format!("hinterland = {h:?}: no city has that province"));
    }
}

fn validate_sector(i: usize, s: &Sector, p: &mut Vec<String>) {
    for (field, v, lo, hi) in [
        ("output_per_worker", s.output_per_worker, 1e-6, 1e6),
        ("high_skill_share", s.high_skill_share, 0.0, 1.0),
        ("land_intensity", s.land_intensity, 0.0, 100.0),
        ("pollution_intensity", s.pollution_intensity, 0.0, 1e6),
        ("agglomeration", s.agglomeration, 0.0, 100.0),
        ("port_affinity", s.port_affinity, 0.0, 100.0),
        ("capital_tie", s.capital_tie, 0.0, 100.0),
        ("relocation_hazard", s.relocation_hazard, 0.0, 1.0),
        ("exit_rate", s.exit_rate, 0.0, 1.0),
        ("relative_firm_size", s.relative_firm_size, 1e-3, 1e6),
    ] {
        check_range(p, &format!("sector[{i}] ({}).{field}", s.name), v, lo, hi);
    }
}

/// A city has residents, and room for them.
fn check_counts(i: usize, c: &City, p: &mut Vec<String>) {
    let k = |f: &str| format!("city[{i}] ({}).{f}", c.name);
    if c.population == 0 {
        p.push(format!("{} = 0: must be at least 1", k("population")));
    }
    if c.capacity < c.population {
        p.push(format!(
            "{} = {} is below population {}: capacity must hold the initial residents",
            k("capacity"),
            c.capacity,
            c.population
        ));
    }
}

fn validate_city(i: usize, c: &City, n_sectors: usize, p: &mut Vec<String>) {
    let k = |f: &str| format!("city[{i}] ({}).{f}", c.name);
    check_range(p, &k("lat"), c.lat, -90.0, 90.0);
    check_range(p, &k("lon"), c.lon, -180.0, 180.0);
    check_counts(i, c, p);
    for (field, v, lo, hi) in [
        ("gdp_bn", c.gdp_bn, 1e-6, 1e9),
        ("avg_wage", c.avg_wage, 1.0, 1e9),
        ("housing_index", c.housing_index, 1e-6, 1e6),
        ("public_services", c.public_services, 1e-6, 1e6),
        ("high_skill_share", c.high_skill_share, 0.0, 1.0),
        ("non_hukou_share", c.non_hukou_share, 0.0, 1.0),
    ] {
        check_range(p, &k(field), v, lo, hi);
    }
    let shares = &c.employment_shares;
    if shares.len() != n_sectors {
        p.push(format!(
            "{} has {} values: give one per sector ({n_sectors})",
            k("employment_shares"),
            shares.len()
        ));
        return;
    }
    let sum: f64 = shares.iter().sum();
    if shares.iter().any(|v| !v.is_finite() || *v < 0.0) || (sum - 1.0).abs() > 1e-6 {
        p.push(format!(
            "{} must be non-negative and sum to 1 (they sum to {sum})",
            k("employment_shares")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_region_matches_the_census() {
        let r = Region::embedded();
        assert_eq!(r.n_cities(), 14);
        assert_eq!(r.n_sectors(), 9);
        let total: u64 = r.spec.cities.iter().map(|c| c.population).sum();
        // docs/facts.md §1.1: the 14 rows sum to the Jing-Jin-Ji 2020 total.
        assert_eq!(total, 110_369_339);
        let (b, t) = (
            r.city_index("Beijing").unwrap(),
            r.city_index("Tianjin").unwrap(),
        );
        let d = r.distance(b, t);
        assert!((100.0..130.0).contains(&d), "Beijing-Tianjin {d} km");
    }

    #[test]
    fn duplicate_cities_and_bad_coordinates_are_all_reported() {
        let bad = EMBEDDED_JJJ
            .replace("name = \"Tianjin\"", "name = \"Beijing\"")
            .replace("lat = 39.9406", "lat = 139.9406");
        let spec: RegionSpec = toml::from_str(&bad).unwrap();
        let err = Region::checked(spec, "bad.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("duplicate city name"), "{msg}");
        assert!(msg.contains("lat = 139.9406"), "{msg}");
    }

    #[test]
    fn the_embedded_region_starts_in_2014_or_2020_and_rebasing_is_a_swap() {
        let r = Region::embedded();
        assert_eq!(r.base_years(), vec![2014, 2020]);
        let r14 = r.at_year(2014).expect("2014 is a base year");
        let pop = |r: &Region| r.spec.cities.iter().map(|c| c.population).sum::<u64>();
        // docs/facts.md §1.5: the 14 rows of 2014 sum to 110.52 million.
        assert_eq!(pop(&r14), 110_521_600);
        assert_eq!(r14.spec.base_year, 2014);
        assert_eq!(r14.base_years(), vec![2014, 2020]);
        let back = r14.at_year(2020).expect("and back");
        assert_eq!(back.spec, r.spec, "rebasing twice gives the region back");
        assert_eq!(r14.at_year(2014).unwrap().spec, r14.spec);
        assert!(r.at_year(2017).is_none());
    }

    #[test]
    fn vital_rates_are_interpolated_between_observed_years_and_held_outside() {
        let r = Region::embedded();
        let (b15, d15) = r.vital_rates("Hebei", 2015);
        assert!((b15 - 0.01135).abs() < 1e-12 && (d15 - 0.00579).abs() < 1e-12);
        assert_eq!(r.vital_rates("Hebei", 2010), r.vital_rates("Hebei", 2015));
        assert_eq!(r.vital_rates("Hebei", 2035), r.vital_rates("Hebei", 2022));
        let (b16, _) = r.vital_rates("Hebei", 2016);
        assert!((b16 - (0.01135 + 0.0132) / 2.0).abs() < 1e-12);
        assert_eq!(r.vital_rates("Atlantis", 2020), (0.0, 0.0));
    }

    #[test]
    fn a_base_that_misses_a_city_or_names_a_stranger_is_refused() {
        let bad = EMBEDDED_JJJ
            .replace(
                "\"Hengshui\" = { population = 4423400",
                "\"Hengshuii\" = { population = 4423400",
            )
            .replace("year = 2014\n", "year = 2020\n");
        let spec: RegionSpec = toml::from_str(&bad).unwrap();
        let msg = Region::checked(spec, "bad.toml").unwrap_err().to_string();
        assert!(
            msg.contains("\"Hengshuii\" is not a city of the region"),
            "{msg}"
        );
        assert!(msg.contains("\"Hengshui\" is missing"), "{msg}");
        assert!(msg.contains("a base year may be given once"), "{msg}");
    }
}
