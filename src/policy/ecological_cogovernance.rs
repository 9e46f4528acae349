//! Ecological co-governance (docs/source-essay.md §4.4, §4.5; the kind's `essay` field says
//! "4, 5", see docs/source-essay.md §5): joint prevention and control of pollution. Target
//! cities charge firms in proportion to their sector's pollution intensity, may close their
//! doors to new heavy polluters (an emission cap on new capacity), and beneficiaries may
//! compensate the cities that conserve the environment.

use super::doc::{KindDoc, Mechanism};
use super::{
    Claim, Dose, Kind, Levers, Transfer, cells, check_cities, check_sectors, listed_cities,
};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "ecological_cogovernance",
    essay: "4, 5",
    summary: "pollution charges and a cap on new polluters in target cities; optional ecological compensation transfers",
    mechanisms: &[
        Mechanism::CostOrSubsidy,
        Mechanism::EntryBan,
        Mechanism::FiscalTransfer,
    ],
    example: include_str!("../../scenarios/ecological_cogovernance.toml"),
};

policy_table! {
    pub struct EcologicalCogovernance {
        /// Cities under joint control (empty = all).
        pub cities: Vec<String>,
        /// Sectors charged (empty = all).
        pub sectors: Vec<String>,
        /// Charge per unit of pollution intensity, fraction of value added.
        pub charge_per_intensity: f64,
        /// No new firms of polluting sectors in the target cities.
        pub ban_new_polluters: bool,
        /// Pollution intensity from which a sector counts as polluting.
        pub polluter_min_intensity: f64,
        /// Cities receiving ecological compensation (empty = none).
        pub compensation_to: Vec<String>,
        /// Cities paying it (empty = from outside the region).
        pub compensation_from: Vec<String>,
        /// Compensation per resident of a receiving city, yuan a year.
        pub compensation_per_head_yuan: f64,
    }
}

impl EcologicalCogovernance {
    /// The (city, sector) cells closed to new polluters.
    fn banned(&self, region: &Region) -> Vec<(usize, usize)> {
        if !self.ban_new_polluters {
            return Vec::new();
        }
        cells(region, &self.cities, &self.sectors)
            .filter(|&(_, s)| region.sector(s).pollution_intensity >= self.polluter_min_intensity)
            .collect()
    }

    fn compensation(&self, dose: &Dose) -> Transfer {
        let per_head = self.compensation_per_head_yuan * dose.intensity;
        let to = listed_cities(dose.region, &self.compensation_to);
        Transfer {
            cause: dose.cause,
            to: to.into_iter().map(|c| (c, per_head)).collect(),
            from: listed_cities(dose.region, &self.compensation_from),
            grows_with_output: false,
        }
    }
}

impl Kind for EcologicalCogovernance {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        for (c, s) in cells(dose.region, &self.cities, &self.sectors) {
            let intensity = dose.region.sector(s).pollution_intensity;
            l.add_firm_bonus(
                c,
                s,
                -self.charge_per_intensity * intensity * dose.intensity,
            );
        }
        for (c, s) in self.banned(dose.region) {
            l.ban_entry(c, s);
        }
        l.add_transfer(self.compensation(dose));
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
        check_cities(key, "compensation_to", &self.compensation_to, region, p);
        check_cities(key, "compensation_from", &self.compensation_from, region, p);
        if self.compensation_per_head_yuan > 0.0 && self.compensation_to.is_empty() {
            p.push(format!(
                "{key}.compensation_to: name the cities receiving compensation_per_head_yuan"
            ));
        }
    }

    fn claims(&self, region: &Region) -> Vec<Claim> {
        self.banned(region)
            .into_iter()
            .map(|(city, sector)| Claim::Ban { city, sector })
            .collect()
    }
}
