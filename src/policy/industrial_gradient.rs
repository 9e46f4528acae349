//! A differentiated industrial gradient (docs/source-essay.md §3): designated emerging
//! sectors are steered to designated cities by a subsidy and a land discount there. Several
//! tables give several designations (one city group and its sectors each).

use super::doc::{KindDoc, Mechanism};
use super::{Claim, Dose, Kind, Levers, cells, check_cities, check_sectors};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "industrial_gradient",
    essay: "3",
    summary: "designated emerging sectors steered to designated cities by a subsidy and a land discount",
    mechanisms: &[Mechanism::CostOrSubsidy, Mechanism::LandDiscount],
    example: include_str!("../../scenarios/industrial_gradient.toml"),
};

policy_table! {
    pub struct IndustrialGradient {
        /// Designated cities (docs/source-essay.md §3: the concentrated bearing place).
        pub cities: Vec<String>,
        /// Designated sectors (docs/source-essay.md §3: high-end equipment, intelligent
        /// manufacturing, biomedicine).
        pub sectors: Vec<String>,
        /// Subsidy, fraction of value added.
        pub subsidy: f64,
        /// Fraction off land cost.
        pub land_discount: f64,
    }
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
    }

    fn claims(&self, region: &Region) -> Vec<Claim> {
        cells(region, &self.cities, &self.sectors)
            .map(|(city, sector)| Claim::Designate { city, sector })
            .collect()
    }
}
