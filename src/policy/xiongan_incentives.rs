//! Xiong'an as the concentrated receiving place (docs/source-essay.md §1): a subsidy per
//! job, a land discount and a tax holiday for firms, hukou for movers, and relocated
//! schools and hospitals lifting public services.

use super::doc::{KindDoc, Mechanism, Param};
use super::{
    Dose, Kind, Levers, check_cities, check_range, check_sectors, check_unit, city_set, sector_set,
};
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
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "receiving places",
        },
        Param {
            name: "sectors",
            unit: "sector names",
            about: "sectors receiving the firm incentives (empty = all)",
        },
        Param {
            name: "subsidy_per_job_yuan",
            unit: "yuan/job/year",
            about: "subsidy set against value added per worker there [A]",
        },
        Param {
            name: "land_discount",
            unit: "0-1",
            about: "fraction off land cost for firms [A]",
        },
        Param {
            name: "tax_holiday_years",
            unit: "years",
            about: "tax holiday for arriving firms (docs/facts.md §2.4: 3-5-year exemptions, unverified) [A]",
        },
        Param {
            name: "hukou_for_movers",
            unit: "bool",
            about: "movers receive local hukou (docs/facts.md §2.4: points hukou since 2021 [V])",
        },
        Param {
            name: "public_services_target",
            unit: "index, Beijing = 1",
            about: "level relocated schools and hospitals lift services toward [A]",
        },
    ],
    example: include_str!("../../scenarios/xiongan_incentives.toml"),
};

policy_table! {
    pub struct XionganIncentives {
        #[serde(default = "default_cities")]
        pub cities: Vec<String>,
        /// Sectors that receive the firm incentives (empty = all).
        #[serde(default)]
        pub sectors: Vec<String>,
        /// Yearly subsidy per job, yuan, set against value added per worker there [A].
        #[serde(default = "default_subsidy")]
        pub subsidy_per_job_yuan: f64,
        /// Fraction off land cost for firms [A].
        #[serde(default = "default_land")]
        pub land_discount: f64,
        /// Tax holiday for arriving firms, years (docs/facts.md §2.4: 3-5-year exemptions,
        /// unverified) [A].
        #[serde(default = "default_holiday")]
        pub tax_holiday_years: u8,
        /// Movers receive local hukou (docs/facts.md §2.4: points hukou since 2021, direct
        /// application for relocated Beijing staff [V]).
        #[serde(default = "yes")]
        pub hukou_for_movers: bool,
        /// Public-services level (Beijing = 1.0) that relocated schools and hospitals lift
        /// the target cities toward [A].
        #[serde(default = "default_services")]
        pub public_services_target: f64,
    }
}

fn default_cities() -> Vec<String> {
    vec!["Xiong'an".into()]
}
fn default_subsidy() -> f64 {
    10_000.0
}
fn default_land() -> f64 {
    0.3
}
fn default_holiday() -> u8 {
    3
}
fn default_services() -> f64 {
    0.8
}
fn yes() -> bool {
    true
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
                l.scale_hukou_barrier(c, 1.0 - intensity, true);
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
        check_range(
            key,
            "subsidy_per_job_yuan",
            self.subsidy_per_job_yuan,
            0.0,
            1e6,
            p,
        );
        check_unit(key, "land_discount", self.land_discount, p);
        check_range(
            key,
            "public_services_target",
            self.public_services_target,
            0.0,
            10.0,
            p,
        );
    }
}
