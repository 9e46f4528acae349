//! Xiong'an as the concentrated receiving place (docs/source-essay.md §1): a subsidy per
//! job, a land discount and a tax holiday for firms, hukou for movers, and relocated
//! schools and hospitals lifting public services.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, check_cities, check_sectors, city_set, sector_set};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "xiongan_incentives",
    essay: "1",
    summary: "Xiong'an as the concentrated receiving place: subsidy per job, land discount, tax holiday, hukou, public services",
    mechanisms: &[
        Mechanism::CostOrSubsidy,
        Mechanism::LandDiscount,
        Mechanism::TaxHoliday,
        Mechanism::HukouBarrier,
        Mechanism::PublicServices,
    ],
    example: include_str!("../../scenarios/xiongan_incentives.toml"),
};

policy_table! {
    pub struct XionganIncentives {
        pub cities: Vec<String>,
        /// Sectors that receive the firm incentives (empty = all).
        pub sectors: Vec<String>,
        /// Yearly subsidy per job, yuan, set against value added per worker there.
        pub subsidy_per_job_yuan: f64,
        /// Fraction off land cost for firms.
        pub land_discount: f64,
        /// Tax holiday for arriving firms, years (docs/facts.md §2.4: 3-5-year exemptions,
        /// unverified).
        pub tax_holiday_years: u8,
        /// Movers receive local hukou (docs/facts.md §2.4: points hukou since 2021, direct
        /// application for relocated Beijing staff).
        pub hukou_for_movers: bool,
        /// Public-services level (Beijing = 1.0) that relocated schools and hospitals lift
        /// the target cities toward.
        pub public_services_target: f64,
    }
}

impl Kind for XionganIncentives {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let (region, intensity) = (dose.region, dose.intensity);
        let sectors = sector_set(region, &self.sectors);
        for c in city_set(region, &self.cities) {
            let va_per_worker = crate::region::value_added_per_worker_yuan(region, c);
            for &s in &sectors {
                let opw = region.sector(s).output_per_worker;
                l.add_firm_bonus(
                    c,
                    s,
                    intensity * self.subsidy_per_job_yuan / (va_per_worker * opw),
                );
                l.discount_land(c, s, intensity * self.land_discount);
                l.grant_tax_holiday(c, s, self.tax_holiday_years);
            }
            if self.hukou_for_movers {
                // Points hukou and direct hukou for relocated staff: the barrier falls for
                // the region's own movers, and movers take its hukou; arrivals from the
                // rest of China, with no record there to earn points on, still face it [A].
                l.ease_regional_hukou(c, 1.0 - intensity);
                l.scale_hukou_barrier(c, 1.0, true);
            }
            if self.public_services_target > 0.0 {
                let base = region.city(c).public_services;
                l.lift_public_services(
                    c,
                    base + (self.public_services_target - base).max(0.0) * intensity,
                );
            }
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
    }
}
