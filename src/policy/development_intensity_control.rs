//! Control of development intensity (docs/source-essay.md §4.5, "control the construction
//! and development intensity of the whole region"): caps on cities' housing and land
//! capacity, such as Beijing's ceiling of 23 million residents (docs/facts.md §2.1). At the
//! cap, arrivals are rationed and housing and land grow dearer, pushing people and firms
//! elsewhere.

use std::collections::BTreeMap;

use super::doc::{KindDoc, Mechanism};
use super::{Claim, Dose, Kind, Levers, check_cities};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "development_intensity_control",
    essay: "4",
    summary: "caps on cities' housing capacity, such as Beijing's population ceiling",
    mechanisms: &[Mechanism::CapacityCap],
    example: include_str!("../../scenarios/development_intensity_control.toml"),
};

policy_table! {
    pub struct DevelopmentIntensityControl {
        /// Cap per city, persons (empty = each city's `population_cap` in the region file,
        /// Beijing's 23 million).
        pub caps: BTreeMap<String, u64>,
    }
}

impl DevelopmentIntensityControl {
    /// (city, cap in persons) in city order.
    fn cap_list(&self, region: &Region) -> Vec<(usize, f64)> {
        if self.caps.is_empty() {
            return (0..region.n_cities())
                .filter_map(|c| region.city(c).population_cap.map(|cap| (c, cap as f64)))
                .collect();
        }
        let mut caps: Vec<(usize, f64)> = self
            .caps
            .iter()
            .filter_map(|(name, &cap)| region.city_index(name).map(|c| (c, cap as f64)))
            .collect();
        caps.sort_by_key(|&(c, _)| c);
        caps
    }
}

impl Kind for DevelopmentIntensityControl {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        for (c, cap) in self.cap_list(dose.region) {
            let base = dose.region.city(c).capacity as f64;
            // A cap below the city's capacity is phased in over the ramp.
            let cap = if cap < base {
                base + (cap - base) * dose.intensity
            } else {
                cap
            };
            l.cap_capacity(c, cap);
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        let names: Vec<String> = self.caps.keys().cloned().collect();
        check_cities(key, "caps", &names, region, p);
        for (name, &cap) in &self.caps {
            if cap == 0 {
                p.push(format!(
                    "{key}.caps.{name} = 0: a cap must be at least 1 person"
                ));
            }
        }
        if self.caps.is_empty() && self.cap_list(region).is_empty() {
            p.push(format!(
                "{key}.caps: the region file sets no population_cap; name the caps, e.g. caps = {{ Beijing = 23000000 }}"
            ));
        }
    }

    fn claims(&self, region: &Region) -> Vec<Claim> {
        self.cap_list(region)
            .into_iter()
            .map(|(city, persons)| Claim::Cap { city, persons })
            .collect()
    }
}
