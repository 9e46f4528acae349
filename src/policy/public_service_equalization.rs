//! Equalization of basic public services (docs/source-essay.md §4.2): fiscal transfers
//! close part of the gap in tax revenue per resident between each recipient city and the
//! capital, and public services, which follow revenue per head, rise toward the capital's.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, Transfer, check_cities, city_set, listed_cities};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "public_service_equalization",
    essay: "4",
    summary: "fiscal transfers lift the hinterland's (Hebei's) public services toward the capital's",
    mechanisms: &[Mechanism::FiscalTransfer],
    example: include_str!("../../scenarios/public_service_equalization.toml"),
};

policy_table! {
    pub struct PublicServiceEqualization {
        /// Recipients (empty = the cities of the region's hinterland province).
        pub cities: Vec<String>,
        /// Cities paying in proportion to their revenue (empty = from outside the region).
        pub donors: Vec<String>,
        /// Share of the 2020 gap in tax revenue per resident to the capital closed.
        pub gap_share: f64,
    }
}

/// Tax revenue per resident in 2020, yuan: the region's tax rate times GDP per head.
fn revenue_per_head(region: &Region, c: usize) -> f64 {
    let city = region.city(c);
    region.spec.labour.tax_rate * city.gdp_bn * 1e9 / city.population.max(1) as f64
}

impl PublicServiceEqualization {
    fn recipients(&self, region: &Region) -> Vec<usize> {
        if self.cities.is_empty() {
            region.hinterland_cities()
        } else {
            city_set(region, &self.cities)
        }
    }
}

impl Kind for PublicServiceEqualization {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let r = dose.region;
        let reference = revenue_per_head(r, r.capital);
        let to = self
            .recipients(r)
            .into_iter()
            .map(|c| {
                let gap = (reference - revenue_per_head(r, c)).max(0.0);
                (c, self.gap_share * gap * dose.intensity)
            })
            .collect();
        l.add_transfer(Transfer {
            cause: dose.cause,
            to,
            from: listed_cities(r, &self.donors),
            grows_with_output: true,
        });
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_cities(key, "donors", &self.donors, region, p);
        if self.cities.is_empty() && region.hinterland_cities().is_empty() {
            p.push(format!(
                "{key}.cities: the region names no hinterland province; list the recipient cities"
            ));
        }
        let recipients = self.recipients(region);
        for d in &self.donors {
            if region
                .city_index(d)
                .is_some_and(|c| recipients.contains(&c))
            {
                p.push(format!("{key}.donors: {d:?} is also a recipient"));
            }
        }
    }
}
