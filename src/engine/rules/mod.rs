//! The model's behavioural rules, each a pure function in one place, apart from the
//! mechanics that apply them to a hundred million agents. An economist changes a rule
//! here, in one function, and every pass, lookup table and calibration that uses it
//! follows: the passes (`firms.rs`, `jobs.rs`, `hiring.rs`, `migration.rs`,
//! `dependents.rs`) only split agents into chunks, draw random numbers, gather a rule's
//! inputs and call it, and the tables they build for speed (memoised powers, packed
//! per-firm words, migration CDFs) are built by calling these functions.
//!
//! Parameters are named as in the `[behaviour]` table of a scenario (`src/scenario.rs`),
//! policy levers as in `src/policy/levers.rs`. Utilities are in logit units (a Gumbel
//! shock has scale 1), probabilities are per year, counts are agents unless a rule says
//! real. Every rule has a unit test on a region of two or three cities built in the test.
//!
//! | family                        | file            |
//! |-------------------------------|-----------------|
//! | logit choice                  | `logit.rs`      |
//! | firms' location utility       | `location.rs`   |
//! | relocation and exit hazards   | `hazards.rs`    |
//! | workers of moved/exited firms | `workers.rs`    |
//! | hiring priority               | `hiring.rs`     |
//! | migration choice              | `migration.rs`  |
//! | housing capacity              | `housing.rs`    |
//! | dependents                    | `dependents.rs` |
//! | firm sizes and productivity   | `demography.rs` |
//! | births, deaths, labour force  | `vital.rs`      |
//!
//! Changing a rule changes model output: the golden checksums of
//! `tests/reproducibility.rs` then need blessing, with the reason in the commit.

pub(crate) mod demography;
pub(crate) mod dependents;
pub(crate) mod hazards;
pub(crate) mod hiring;
pub(crate) mod housing;
pub(crate) mod location;
pub(crate) mod logit;
pub(crate) mod migration;
pub(crate) mod vital;
pub(crate) mod workers;

/// A region of three cities and two sectors for the rules' tests: a capital, a port
/// 112 km away and an inland city 164 km away from it (190 km from the port).
#[cfg(test)]
pub(crate) mod tiny {
    use crate::region::{City, Labour, Region, RegionSpec, Sector};

    pub(crate) const CAPITAL: usize = 0;
    pub(crate) const PORT: usize = 1;
    pub(crate) const INLAND: usize = 2;
    /// A tradable sector with a port affinity, and a local-demand sector.
    pub(crate) const FACTORY: usize = 0;
    pub(crate) const SHOPS: usize = 1;

    fn city(name: &str, lat: f64, lon: f64, port: bool) -> City {
        City {
            name: name.into(),
            province: "P".into(),
            lat,
            lon,
            population: 1_000_000,
            gdp_bn: 100.0,
            firms: 10_000,
            avg_wage: 80_000.0,
            housing_index: 1.0,
            public_services: 1.0,
            capacity: 1_200_000,
            population_cap: None,
            high_skill_share: 0.3,
            non_hukou_share: 0.2,
            port,
            employment_shares: vec![0.5, 0.5],
        }
    }

    fn sector(name: &str, tradable: bool, port_affinity: f64) -> Sector {
        Sector {
            name: name.into(),
            output_per_worker: 1.0,
            high_skill_share: 0.2,
            land_intensity: 0.8,
            pollution_intensity: 0.5,
            agglomeration: 0.3,
            port_affinity,
            capital_tie: 0.5,
            tradable,
            relocation_hazard: 0.01,
            exit_rate: 0.05,
            relative_firm_size: 1.0,
        }
    }

    pub(crate) fn region() -> Region {
        let spec = RegionSpec {
            name: "tiny".into(),
            base_year: 2020,
            bases: Vec::new(),
            vital_rates: Vec::new(),
            capital: "Capital".into(),
            new_area: None,
            hinterland: None,
            labour: Labour {
                labour_force_share: 0.55,
                unemployment_rate: 0.05,
                high_skill_wage_premium: 1.8,
                tax_rate: 0.08,
            },
            sectors: vec![sector("factory", true, 1.0), sector("shops", false, 0.0)],
            cities: vec![
                city("Capital", 39.9, 116.4, false),
                city("Port", 39.1, 117.2, true),
                city("Inland", 38.9, 115.0, false),
            ],
        };
        Region::checked(spec, "tiny").expect("the tiny region is valid")
    }
}
