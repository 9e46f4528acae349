//! A differentiated industrial gradient (docs/source-essay.md §3): designated emerging
//! sectors are steered to designated cities by a subsidy and a land discount there. Several
//! tables give several designations (one city group and its sectors each).

use super::doc::{KindDoc, Mechanism, Param};
use super::{
    Claim, Dose, Kind, Levers, cells, check_cities, check_range, check_sectors, check_unit, names,
};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "industrial_gradient",
    essay: "3",
    summary: "designated emerging sectors steered to designated cities by a subsidy and a land discount",
    mechanisms: &[Mechanism::CostOrSubsidy, Mechanism::LandDiscount],
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "designated cities (essay: the concentrated bearing place, Xiong'an; empty = all)",
        },
        Param {
            name: "sectors",
            unit: "sector names",
            about: "designated sectors (essay: high-end equipment, intelligent manufacturing, biomedicine; empty = all)",
        },
        Param {
            name: "subsidy",
            unit: "fraction of value added",
            about: "subsidy to designated sectors in designated cities [A]",
        },
        Param {
            name: "land_discount",
            unit: "0-1",
            about: "fraction off their land cost [A]",
        },
    ],
    example: include_str!("../../scenarios/industrial_gradient.toml"),
};

policy_table! {
    pub struct IndustrialGradient {
        /// Designated cities (docs/source-essay.md §3: the concentrated bearing place).
        #[serde(default = "default_cities")]
        pub cities: Vec<String>,
        /// Designated sectors (docs/source-essay.md §3: high-end equipment, intelligent
        /// manufacturing, biomedicine).
        #[serde(default = "default_sectors")]
        pub sectors: Vec<String>,
        /// Subsidy, fraction of value added [A].
        #[serde(default = "default_subsidy")]
        pub subsidy: f64,
        /// Fraction off land cost [A].
        #[serde(default = "default_land")]
        pub land_discount: f64,
    }
}

fn default_cities() -> Vec<String> {
    names(&["Xiong'an"])
}
fn default_sectors() -> Vec<String> {
    names(&["high_end_manufacturing", "biomedicine"])
}
fn default_subsidy() -> f64 {
    0.05
}
fn default_land() -> f64 {
    0.2
}

impl Kind for IndustrialGradient {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        for (c, s) in cells(dose.region, &self.cities, &self.sectors) {
            l.add_firm_bonus(c, s, self.subsidy * dose.intensity);
            l.discount_land(c, s, self.land_discount * dose.intensity);
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
        check_range(key, "subsidy", self.subsidy, 0.0, 1.0, p);
        check_unit(key, "land_discount", self.land_discount, p);
    }

    fn claims(&self, region: &Region) -> Vec<Claim> {
        cells(region, &self.cities, &self.sectors)
            .map(|(city, sector)| Claim::Designate { city, sector })
            .collect()
    }
}
