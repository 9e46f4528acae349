//! Free flow of production factors (docs/source-essay.md §4.1, §4.3, §6: "break down
//! barriers ... promote the full and free flow of factor resources"): a lower hukou barrier
//! and a lower cost of migrating into the target cities, and optionally more residents
//! reconsidering where they live each year.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, check_cities, city_set};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "factor_mobility",
    essay: "4, 6",
    summary: "lower hukou barrier and migration cost across the region",
    mechanisms: &[Mechanism::HukouBarrier, Mechanism::MigrationCost],
    example: include_str!("../../scenarios/factor_mobility.toml"),
};

policy_table! {
    pub struct FactorMobility {
        /// Cities whose barriers fall (empty = all).
        pub cities: Vec<String>,
        /// Fraction off the hukou barrier.
        pub hukou_barrier_reduction: f64,
        /// Fraction off the distance cost of migrating into the cities.
        pub migration_cost_reduction: f64,
        /// Multiplies the yearly chance that residents reconsider where they live.
        pub migration_rate_multiplier: f64,
    }
}

impl Kind for FactorMobility {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let k = dose.intensity;
        for c in city_set(dose.region, &self.cities) {
            l.scale_hukou_barrier(c, 1.0 - self.hukou_barrier_reduction * k, false);
            l.ease_migration(
                c,
                1.0 - self.migration_cost_reduction * k,
                1.0 + (self.migration_rate_multiplier - 1.0) * k,
            );
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
    }
}
