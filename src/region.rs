//! A region is data: locations with coordinates and initial state, and the sectors firms
//! belong to. Nothing about Jing-Jin-Ji is written in the engine; the embedded default is
//! `data/regions/jing-jin-ji.toml`, and a scenario may name a file of the same shape.

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

/// The region as written in its file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    pub name: String,
    pub base_year: i32,
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
/// that the city's 2020 employment reproduces its 2020 GDP.
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
    p
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
}
