//! Free flow of production factors (docs/source-essay.md §4.1, §4.3, §6: "break down
//! barriers ... promote the full and free flow of factor resources"): a lower hukou barrier
//! and a lower cost of migrating into the target cities, and optionally more residents
//! reconsidering where they live each year.

use super::doc::{KindDoc, Mechanism, Param};
use super::{Dose, Kind, Levers, check_cities, check_range, check_unit, city_set};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "factor_mobility",
    essay: "4, 6",
    summary: "lower hukou barrier and migration cost across the region",
    mechanisms: &[Mechanism::HukouBarrier, Mechanism::MigrationCost],
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "cities whose barriers fall (empty = all)",
        },
        Param {
            name: "hukou_barrier_reduction",
            unit: "0-1",
            about: "fraction off the hukou barrier of living there without its hukou [A]",
        },
        Param {
            name: "migration_cost_reduction",
            unit: "0-1",
            about: "fraction off the distance cost of migrating there [A]",
        },
        Param {
            name: "migration_rate_multiplier",
            unit: "x",
            about: "multiplies the yearly chance that residents there reconsider where they live [A]",
        },
    ],
    example: include_str!("../../scenarios/factor_mobility.toml"),
};

policy_table! {
    pub struct FactorMobility {
        /// Cities whose barriers fall (empty = all).
        #[serde(default)]
        pub cities: Vec<String>,
        /// Fraction off the hukou barrier [A].
        #[serde(default = "default_hukou")]
        pub hukou_barrier_reduction: f64,
        /// Fraction off the distance cost of migrating into the cities [A].
        #[serde(default = "default_cost")]
        pub migration_cost_reduction: f64,
        /// Multiplies the yearly chance that residents reconsider where they live [A].
        #[serde(default = "default_rate")]
        pub migration_rate_multiplier: f64,
    }
}

fn default_hukou() -> f64 {
    0.5
}
fn default_cost() -> f64 {
    0.3
}
fn default_rate() -> f64 {
    1.0
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
        check_unit(
            key,
            "hukou_barrier_reduction",
            self.hukou_barrier_reduction,
            p,
        );
        check_unit(
            key,
            "migration_cost_reduction",
            self.migration_cost_reduction,
            p,
        );
        check_range(
            key,
            "migration_rate_multiplier",
            self.migration_rate_multiplier,
            0.0,
            10.0,
            p,
        );
    }
}
