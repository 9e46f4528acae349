//! The `[behaviour]` and `[trends]` parameters of a scenario. Utilities are in logit
//! units (a Gumbel shock has scale 1); rates are per year. Sources: docs/facts.md §4
//! where given, else [A] assumption.
//!
//! Ranges are wide enough for sensitivity analysis and narrow enough that no value in
//! them gives NaN, infinities or explosive growth (`tests/parameter_ranges.rs` runs each
//! at both ends); `why` says where each stops.

use super::DefaultValue::Number;
use super::Param;
use super::Tag::{A, C, D, M, V};

const PROBABILITY: &str = "a yearly probability or share";
const WEIGHT: &str = "a logit weight; beyond it one term drowns all others";
const ELASTICITY: &str = "an elasticity; beyond it one firm's hazard spans orders of magnitude";
const PER_VALUE_ADDED: &str = "a logit weight per fraction of value added";

const fn num(name: &'static str, unit: &'static str, default: f64, meaning: &'static str) -> Param {
    Param::new(name, unit, Number(default), A, meaning)
}

#[rustfmt::skip]
pub(super) const BEHAVIOUR: &[Param] = &[
    num("behaviour.firm_size_tail", "Pareto index", 1.1,
        "Pareto tail index of firm size (near 1: Zipf-like, a few very large firms)")
        .range(0.2, 5.0).why("a Pareto tail index; near 0 sizes overflow"),
    num("behaviour.firm_size_max_ratio", "ratio", 500.0,
        "largest firm relative to the smallest in a (city, sector) cell")
        .range(2.0, 1e5).why("largest over smallest firm; at 1 the size mean is 0/0"),
    num("behaviour.max_firm_share", "share of city jobs", 0.005,
        "most jobs one firm agent may hold, as a share of the jobs of the city with the fewest at the start: larger firms, at the start and at entry, are split into agents that share their weight (docs/model.md §5.2), so a firm agent standing for many firms at small scales moves no lump of jobs")
        .range(1e-4, 1.0).why("a share of a city's jobs"),
    num("behaviour.productivity_sigma", "sd of log", 0.3,
        "sigma of log productivity across firms")
        .range(0.01, 2.0).why("sigma of log productivity; above 2 productivities span ten orders of magnitude"),
    num("behaviour.cost_pressure", "x per unit index rise", 1.0,
        "move-hazard multiplier per unit rise of the housing/land index over its start")
        .range(0.0, 20.0).why("a hazard multiplier; below 0 hazards turn negative"),
    num("behaviour.size_hazard_elasticity", "elasticity", -0.1,
        "elasticity of the move hazard to firm size (docs/facts.md §4: size lowers it)")
        .range(-3.0, 3.0).why(ELASTICITY),
    num("behaviour.age_hazard_elasticity", "elasticity", -0.1,
        "elasticity of the move hazard to 1 + age in years (age lowers it)")
        .range(-3.0, 3.0).why(ELASTICITY),
    num("behaviour.exit_productivity_elasticity", "elasticity", -1.0,
        "elasticity of the exit hazard to productivity (exit falls with productivity)")
        .range(-5.0, 5.0).why(ELASTICITY),
    num("behaviour.firm_beta_agglomeration", "logit weight", 1.0,
        "weight of log same-sector employment, times the sector's agglomeration")
        .range(-20.0, 20.0).why(WEIGHT),
    num("behaviour.firm_beta_market", "logit weight", 1.0,
        "weight of log market potential (tradable sectors) or log residents per firm of the sector (local-demand sectors)")
        .range(0.0, 20.0).why(WEIGHT),
    num("behaviour.firm_beta_land", "logit weight", 1.0,
        "weight of log land/housing cost, times the sector's land intensity")
        .range(0.0, 20.0).why(WEIGHT),
    num("behaviour.firm_beta_wage", "logit weight", 1.0,
        "weight of log wage cost")
        .range(0.0, 20.0).why(WEIGHT),
    num("behaviour.firm_beta_tax", "logit per fraction of value added", 5.0,
        "weight of the effective tax rate (a fraction of value added)")
        .range(0.0, 100.0).why(PER_VALUE_ADDED),
    num("behaviour.firm_beta_subsidy", "logit per fraction of value added", 5.0,
        "weight of a subsidy or extra cost expressed as a fraction of value added")
        .range(0.0, 100.0).why(PER_VALUE_ADDED),
    num("behaviour.firm_beta_port", "logit weight", 0.5,
        "weight of being a port city, times the sector's port affinity")
        .range(0.0, 20.0).why(WEIGHT),
    num("behaviour.firm_moving_cost", "logit per ln(1 + km/10)", 0.5,
        "firms' moving cost per unit of ln(1 + km / 10)")
        .range(0.0, 20.0).why("a cost in logit units; below 0 moving pays for itself"),
    num("behaviour.branch_rate", "probability/year", 0.005,
        "yearly probability that a firm opens a branch or subsidiary in another city (docs/facts.md §2.6: Beijing firms opened about 5,000 a year in Tianjin and Hebei, of about 1 million: 0.5% [D], assumed for every city)")
        .tagged(D).range(0.0, 0.5).why("a yearly probability; above one half most firms branch every other year"),
    num("behaviour.branch_share", "share of target", 0.2,
        "share of its parent's jobs a new branch takes over (the parent shrinks by as much)")
        .range(0.0, 0.9).why("a share of the parent's jobs; at 1 the parent would be empty"),
    num("behaviour.follow_probability", "probability", 0.5,
        "share of a moved firm's workers who move with it")
        .range(0.0, 1.0).why(PROBABILITY),
    num("behaviour.commute_range_km", "km", 80.0,
        "workers of a moved firm within this distance keep the job and commute")
        .range(0.0, 20_000.0).why("a distance; 20,000 km is half the Earth's circumference"),
    num("behaviour.separation_rate", "probability/year", 0.05,
        "yearly probability that a worker leaves a job (churn)")
        .range(0.0, 1.0).why(PROBABILITY),
    num("behaviour.frictional_unemployment", "share", 0.0333,
        "share of each city's labour force between jobs whatever the vacancies (search takes time): hiring stops where unemployment would fall below it, so jobs that outgrow the labour force leave positions open instead of emptying the unemployed pool")
        .tagged(C)
        .range(0.0, 0.2).why("a share of the labour force; keep it below the start's unemployment rate (5% in the embedded region), or the start is not steady"),
    num("behaviour.migration_rate", "share/year", 0.0436,
        "yearly share of employed residents who reconsider where they live")
        .tagged(C)
        .range(0.0, 1.0).why(PROBABILITY),
    num("behaviour.job_seeker_migration_rate", "probability/year", 0.3,
        "yearly probability that a job seeker without a job looks in other cities")
        .range(0.0, 1.0).why(PROBABILITY),
    num("behaviour.beta_income", "logit weight", 1.5,
        "migration elasticity to real income (docs/facts.md §4: about 1.5, Tombe and Zhu 2019)")
        .tagged(M).range(0.0, 20.0).why(WEIGHT),
    num("behaviour.distance_income_ratio", "elasticity", 1.5,
        "income-distance elasticity: 10% further needs 15% more income (docs/facts.md §4)")
        .tagged(V).range(0.0, 20.0).why("an elasticity of needed income to distance"),
    num("behaviour.beta_public_services", "logit weight", 1.0,
        "weight of log public services")
        .range(0.0, 20.0).why(WEIGHT),
    num("behaviour.beta_housing", "logit weight", 0.5,
        "weight of log housing cost")
        .range(0.0, 20.0).why(WEIGHT),
    num("behaviour.hukou_barrier", "logit units", 1.70,
        "utility cost of living where one holds no hukou (docs/facts.md §4: \"large\")")
        .tagged(C)
        .range(0.0, 20.0).why("a utility cost in logit units"),
    num("behaviour.housing_elasticity", "elasticity", 1.0,
        "elasticity of housing cost to population relative to the start")
        .range(0.0, 10.0).why("an elasticity of housing cost to population"),
    num("behaviour.capacity_stiffness", "exponent", 5.0,
        "how steeply housing cost rises once population passes capacity")
        .range(0.0, 50.0).why("an exponent on crowding; steeper makes any crowding prohibitive"),
    num("behaviour.wage_elasticity", "elasticity", 0.5,
        "elasticity of wages to labour demand over supply")
        .range(0.0, 5.0).why("an elasticity of wages to labour demand"),
    num("behaviour.market_decay_km", "km", 100.0,
        "distance decay of market potential")
        .range(1.0, 20_000.0).why("a distance; near 0 market potential divides by it"),
    num("behaviour.public_service_adjustment", "share/year", 0.2,
        "share of the gap to the spending-implied level that public services close each year (spending raises services with a lag)")
        .range(0.0, 1.0).why(PROBABILITY),
    num("behaviour.border_cost", "logit units", 2.0,
        "utility cost of crossing the region's border, either way (in place of the distance cost within the region)")
        .range(0.0, 20.0).why("a cost in logit units"),
    num("behaviour.border_exit_share", "share", 0.182,
        "share of the region's residents who reconsider where to live and choose the rest of China, at the start; the constants are fitted to it, and as many arrive as leave then")
        .tagged(C)
        .range(0.0, 0.9).why("a share of movers; at 1 nobody would move within the region"),
    num("behaviour.retirement_rate", "share/year", 0.025,
        "yearly share of the labour force that leaves it (retires); about one in a 40-year working life. Dependants join it so that each city's labour-force share relaxes to the region's")
        .range(0.0, 0.5).why("a yearly share; above one half the labour force turns over every two years"),
    num("behaviour.origin_resistance", "probability", 0.4,
        "chance that an origin government blocks a directed move it leads reluctantly (it loses the tax); interest compensation lowers it")
        .range(0.0, 1.0).why(PROBABILITY),
];

/// Modelled trends. Firm growth (2.75% a year, calibrated) adds firms of a third of a
/// typical firm's jobs, as legal-person units outgrew employment after 2014; the
/// productivity trend grows output only (docs/model.md §7.15).
#[rustfmt::skip]
pub(super) const TRENDS: &[Param] = &[
    num("trends.firm_growth", "fraction/year", 0.0275,
        "yearly growth of firm entry over exits (0.01 = 1% more firms a year)")
        .tagged(C)
        .range(-0.2, 0.2).why("a yearly growth rate; beyond 20% a year firms explode or vanish"),
    num("trends.growth_entrant_size", "x typical", 0.351,
        "jobs of a firm the growth trend adds, relative to a typical entrant of its cell: below 1 firms grow in number faster than in jobs, as legal-person units did after the 2014 registration reform")
        .tagged(C)
        .range(0.01, 10.0).why("a size relative to a typical firm; 0 would add firms without jobs"),
    num("trends.productivity_growth", "fraction/year", 0.059,
        "yearly growth of productivity in every firm, shared by all: it grows output (constant prices) and leaves exits and location choices alone (more firms pass a tax threshold such as interest compensation's as output grows). Default: real GDP growth of Beijing 6.1% (2019), Tianjin 3.6% (2018) and Hebei 6.2-7.2% (2021), weighted by 2020 output (docs/facts.md §1.3) [D]; held for every year [A]")
        .tagged(D)
        .range(-0.2, 0.2).why("a yearly growth rate; beyond 20% a year productivity explodes or vanishes"),
];
