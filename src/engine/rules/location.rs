//! Where firms want to be: the location value of a city for a firm of a sector, and the
//! cost of moving there. Movers choose among all cities (staying included) by logit on
//! asc + value − moving cost, entrants on asc + value (see `logit.rs`); the constants
//! (asc) come from calibration.

use crate::math::Det;
use crate::region::Sector;
use crate::scenario::Behaviour;

/// What a firm of one sector sees in one city at the start of a step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Site {
    /// Jobs in firms of the sector here, real (agents / scale).
    pub sector_jobs: f64,
    /// Market potential: residents within reach, distance-decayed, real.
    pub market: f64,
    /// Residents here and firms of the sector here, agents: local demand per firm.
    pub residents: f64,
    pub sector_firms: f64,
    /// Housing/land cost index, and the share of it a policy takes off for firms.
    pub housing: f64,
    pub land_discount: f64,
    /// Wages of low and high skill.
    pub wage: [f64; 2],
    /// Local tax share of value added, and tax-holiday years a policy grants here.
    pub tax_rate: f64,
    pub holiday_years: u8,
    /// Subsidy minus extra cost as a share of value added (policy).
    pub firm_bonus: f64,
    /// Productivity multiplier here (policy; 1 without).
    pub productivity: f64,
    pub port: bool,
    pub km_to_capital: f64,
}

/// The location value of `site` for a firm of `sector`, in logit units:
///
/// ```text
/// V = firm_beta_agglomeration · agglomeration_s · ln(1 + sector_jobs)
///   + firm_beta_market · ln(market)                          (tradable sectors)
///   | firm_beta_market · ln((residents + 1) / (sector_firms + 1))   (local demand)
///   − firm_beta_land · land_intensity_s · ln(housing · (1 − land_discount))
///   − firm_beta_wage · ((1 − h_s) ln wage_low + h_s ln wage_high)
///   + firm_beta_tax · tax_rate · holiday_years / 10     (a holiday over ten years)
///   + firm_beta_subsidy · firm_bonus
///   + firm_beta_port · port_affinity_s                       (port cities)
///   − capital_tie_s · km_to_capital / 100
///   + firm_beta_subsidy · ln(productivity)   (a productivity gain acts as a subsidy)
/// ```
///
/// with h_s the sector's high_skill_share. The terms are summed in this order.
#[inline]
pub(crate) fn location_value(b: &Behaviour, sector: &Sector, site: &Site) -> f64 {
    let agglomeration =
        b.firm_beta_agglomeration * sector.agglomeration * (1.0 + site.sector_jobs).dln();
    let market = if sector.tradable {
        b.firm_beta_market * site.market.dln()
    } else {
        b.firm_beta_market * ((site.residents + 1.0) / (site.sector_firms + 1.0)).dln()
    };
    let land = -b.firm_beta_land
        * sector.land_intensity
        * (site.housing * (1.0 - site.land_discount)).dln();
    let hs = sector.high_skill_share;
    let wage = -b.firm_beta_wage * ((1.0 - hs) * site.wage[0].dln() + hs * site.wage[1].dln());
    let holiday = b.firm_beta_tax * site.tax_rate * f64::from(site.holiday_years) / 10.0;
    let port = if site.port {
        b.firm_beta_port * sector.port_affinity
    } else {
        0.0
    };
    let tie = -sector.capital_tie * site.km_to_capital / 100.0;
    let productivity = b.firm_beta_subsidy * site.productivity.dln();
    agglomeration
        + market
        + land
        + wage
        + holiday
        + b.firm_beta_subsidy * site.firm_bonus
        + port
        + tie
        + productivity
}

/// Utility a firm gives up to move `km`: firm_moving_cost · ln(1 + km / 10); zero for a
/// firm that stays.
#[inline]
pub(crate) fn firm_moving_cost(b: &Behaviour, km: f64) -> f64 {
    b.firm_moving_cost * (1.0 + km / 10.0).dln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::tiny::{self, CAPITAL, FACTORY, INLAND, PORT, SHOPS};

    /// The same site in each of the tiny region's cities, differing only in its own facts.
    fn site(c: usize) -> Site {
        let r = tiny::region();
        Site {
            sector_jobs: 5000.0,
            market: 1e6,
            residents: 1000.0,
            sector_firms: 10.0,
            housing: 1.0,
            land_discount: 0.0,
            wage: [60_000.0, 108_000.0],
            tax_rate: 0.08,
            holiday_years: 0,
            firm_bonus: 0.0,
            productivity: 1.0,
            port: r.city(c).port,
            km_to_capital: r.distance(c, CAPITAL),
        }
    }

    #[test]
    fn a_port_draws_port_affine_firms_and_distance_from_the_capital_costs() {
        let (r, b) = (tiny::region(), Behaviour::default());
        let factory = r.sector(FACTORY);
        let at = |c| location_value(&b, factory, &site(c));
        let tie = |c| factory.capital_tie * r.distance(c, CAPITAL) / 100.0;
        let port_bonus = b.firm_beta_port * factory.port_affinity;
        assert!((at(PORT) - at(CAPITAL) - (port_bonus - tie(PORT))).abs() < 1e-9);
        assert!((at(INLAND) - at(CAPITAL) + tie(INLAND)).abs() < 1e-9);
    }

    #[test]
    fn costs_lower_the_value_and_policies_raise_it() {
        let (r, b) = (tiny::region(), Behaviour::default());
        let shops = r.sector(SHOPS);
        let base = location_value(&b, shops, &site(INLAND));
        let dear = Site {
            housing: 2.0,
            ..site(INLAND)
        };
        let want = b.firm_beta_land * shops.land_intensity * 2f64.dln();
        assert!((base - location_value(&b, shops, &dear) - want).abs() < 1e-9);
        let helped = Site {
            holiday_years: 5,
            firm_bonus: 0.1,
            ..site(INLAND)
        };
        assert!(location_value(&b, shops, &helped) > base);
        let crowded = Site {
            sector_firms: 100.0,
            ..site(INLAND)
        };
        assert!(
            location_value(&b, shops, &crowded) < base,
            "local demand is shared"
        );
    }

    #[test]
    fn moving_further_costs_more_and_staying_costs_nothing() {
        let (r, b) = (tiny::region(), Behaviour::default());
        assert_eq!(firm_moving_cost(&b, r.distance(PORT, PORT)), 0.0);
        let near = firm_moving_cost(&b, r.distance(CAPITAL, PORT));
        let far = firm_moving_cost(&b, r.distance(PORT, INLAND));
        assert!(0.0 < near && near < far);
    }
}
