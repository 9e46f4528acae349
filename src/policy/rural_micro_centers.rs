//! Small towns as "micro-centers" (docs/source-essay.md §4.3): infrastructure and public
//! services extended to small cities and their countryside make them more pleasant to live
//! in, add housing capacity and lift their public services.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, check_cities, city_set};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "rural_micro_centers",
    essay: "4",
    summary: "small cities and towns gain amenity, housing capacity and public services",
    mechanisms: &[
        Mechanism::Amenity,
        Mechanism::CapacityChange,
        Mechanism::PublicServices,
    ],
    example: include_str!("../../scenarios/rural_micro_centers.toml"),
};

policy_table! {
    pub struct RuralMicroCenters {
        /// Cities that gain (empty = every city below `small_city_population`).
        pub cities: Vec<String>,
        /// 2020 population below which a city counts as small, persons.
        pub small_city_population: u64,
        /// Added to residents' utility, logit units.
        pub amenity: f64,
        /// Added housing capacity, fraction of the city's capacity.
        pub capacity_increase: f64,
        /// Rise of public services over the city's 2020 level, fraction.
        pub public_services_increase: f64,
    }
}

impl RuralMicroCenters {
    fn targets(&self, region: &Region) -> Vec<usize> {
        if !self.cities.is_empty() {
            return city_set(region, &self.cities);
        }
        (0..region.n_cities())
            .filter(|&c| region.city(c).population < self.small_city_population)
            .collect()
    }
}

impl Kind for RuralMicroCenters {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let k = dose.intensity;
        for c in self.targets(dose.region) {
            l.add_amenity(c, self.amenity * k);
            l.scale_capacity(c, 1.0 + self.capacity_increase * k);
            let base = dose.region.city(c).public_services;
            l.lift_public_services(c, base * (1.0 + self.public_services_increase * k));
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        if self.targets(region).is_empty() {
            p.push(format!(
                "{key}: no city is smaller than small_city_population = {}; list the cities",
                self.small_city_population
            ));
        }
    }
}
