//! Interest compensation (docs/source-essay.md §4.1, §6): the 2015 MoF/SAT rule sharing the
//! taxes of government-directed moves between origin and destination (docs/facts.md §2.3;
//! docs/model.md §8.4). Keeping a share lowers the origin government's resistance to
//! letting large taxpayers go, and origin governments lead eligible firms out.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, TaxSharing, check_cities, check_sectors, city_set, sector_set};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "interest_compensation",
    essay: "4, 6",
    summary: "the 2015 tax-sharing rule: origins keep a share of directed movers' taxes and lead more of them out",
    mechanisms: &[Mechanism::TaxSharing, Mechanism::DirectedMoves],
    example: include_str!("../../scenarios/interest_compensation.toml"),
};

policy_table! {
    pub struct InterestCompensation {
        /// Origin regions whose directed moves share tax.
        pub origins: Vec<String>,
        /// Destinations covered (empty = every city not an origin).
        pub destinations: Vec<String>,
        /// Sectors covered (empty = all).
        pub sectors: Vec<String>,
        /// Origin's share of the moved firm's tax.
        pub origin_share: f64,
        /// Years of sharing.
        pub years: u8,
        /// Extra years when the cap is not reached.
        pub extension_years: u8,
        /// Eligibility: average yearly "three taxes" before the move, yuan.
        pub min_annual_tax_yuan: f64,
        /// The three taxes (VAT, corporate income tax, business tax) as a fraction of value
        /// added, used only for eligibility.
        pub three_tax_rate: f64,
        /// Fraction by which sharing lowers the origin's resistance to directed moves.
        pub resistance_reduction: f64,
        /// Yearly probability that an origin government leads an eligible firm to move.
        pub directed_hazard: f64,
    }
}

impl InterestCompensation {
    fn destination_set(&self, region: &Region) -> Vec<usize> {
        let origins = city_set(region, &self.origins);
        if self.destinations.is_empty() {
            (0..region.n_cities())
                .filter(|c| !origins.contains(c))
                .collect()
        } else {
            city_set(region, &self.destinations)
        }
    }
}

impl Kind for InterestCompensation {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let (region, intensity, cause) = (dose.region, dose.intensity, dose.cause);
        let origins = city_set(region, &self.origins);
        let sectors = sector_set(region, &self.sectors);
        for &c in &origins {
            l.resistance_multiplier[c] *= 1.0 - self.resistance_reduction * intensity;
            for &s in &sectors {
                l.add_directed_hazard(c, s, self.directed_hazard * intensity);
            }
        }
        l.tax_sharing.push(TaxSharing {
            cause,
            origins,
            destinations: self.destination_set(region),
            sectors,
            origin_share: self.origin_share,
            years: self.years,
            extension_years: self.extension_years,
            min_annual_tax_yuan: self.min_annual_tax_yuan,
            three_tax_rate: self.three_tax_rate,
        });
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "origins", &self.origins, region, p);
        check_cities(key, "destinations", &self.destinations, region, p);
        check_sectors(key, &self.sectors, region, p);
        if self.origins.is_empty() {
            p.push(format!("{key}.origins: name at least one origin city"));
        }
    }
}
