//! Free flow of production factors (docs/source-essay.md §4.1, §4.3, §6: "break down
//! barriers ... promote the full and free flow of factor resources"): a lower hukou barrier
//! for the region's own people (holders of a hukou of another city of the region) and a
//! lower cost of migrating between its cities into the target cities, and optionally more
//! residents reconsidering where they live each year. People of the rest of China see
//! neither change: the flows the essay frees are those within the region.

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
        /// Fraction off the hukou barrier for holders of a hukou of another city of the
        /// region.
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
            l.ease_regional_hukou(c, 1.0 - self.hukou_barrier_reduction * k);
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
