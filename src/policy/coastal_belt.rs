//! The coastal uplift belt (docs/source-essay.md §1, §3): Tianjin's port with Tangshan,
//! Qinhuangdao and Cangzhou. Joint port and logistics investment lowers the logistics cost
//! of firms in the belt, in proportion to how much their sector relies on a port.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, cells, check_cities, check_sectors};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "coastal_belt",
    essay: "1, 3",
    summary: "Tianjin port with Tangshan, Qinhuangdao, Cangzhou: lower logistics cost for port-affine sectors",
    mechanisms: &[Mechanism::CostOrSubsidy],
    example: include_str!("../../scenarios/coastal_belt.toml"),
};

policy_table! {
    pub struct CoastalBelt {
        /// Cities of the belt (docs/source-essay.md §1).
        pub cities: Vec<String>,
        /// Sectors covered (empty = all); each gains in proportion to its port affinity.
        pub sectors: Vec<String>,
        /// Logistics cost saved by a sector of port affinity 1, fraction of value added.
        pub logistics_saving: f64,
    }
}

impl Kind for CoastalBelt {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        for (c, s) in cells(dose.region, &self.cities, &self.sectors) {
            let affinity = dose.region.sector(s).port_affinity;
            if affinity > 0.0 {
                l.add_firm_bonus(c, s, self.logistics_saving * affinity * dose.intensity);
            }
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
    }
}
