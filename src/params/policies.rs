//! The parameters of the `[[policy]]` tables: the window every kind has, then each
//! kind's own, in the order `relocsim policies` lists the kinds. "essay" is the source
//! essay the kinds express (docs/source-essay.md §7); figures cite docs/facts.md. A kind reads its
//! defaults from here (`fill_defaults`), so what is printed is what a scenario gets.

use super::DefaultValue::{Bool, EmptyTable, Integer, Names, Number, Required};
use super::Tag::{A, Given, M, V};
use super::{FIRST_YEAR, LAST_YEAR, MAX_COUNT, Param};

const CITIES: &str = "city names";
const SECTORS: &str = "sector names";
const OF_VALUE_ADDED: &str = "fraction of value added";
const SHARE: &str = "0-1";
const NONE: &[&str] = &[];

const YEARS: (f64, f64) = (FIRST_YEAR as f64, LAST_YEAR as f64);

#[rustfmt::skip]
pub(super) const WINDOW: &[Param] = &[
    Param::new("policy.*.start", "year", Required, Given, "first year in force")
        .range(YEARS.0, YEARS.1),
    Param::new("policy.*.end", "year", Required, Given, "last year in force (inclusive)")
        .range(YEARS.0, YEARS.1),
    // A ramp longer than the span of valid years never reaches full strength.
    Param::new("policy.*.ramp_years", "years", Integer(0), A,
        "years to reach full strength, rising linearly (0 = at once)")
        .range(0.0, (LAST_YEAR - FIRST_YEAR) as f64),
];

#[rustfmt::skip]
const NON_CAPITAL_RELIEF: &[Param] = &[
    Param::new("policy.non_capital_relief.cities", CITIES, Names(&["Beijing"]), V,
        "cities shedding functions (docs/source-essay.md §1: Beijing)"),
    Param::new("policy.non_capital_relief.sectors", SECTORS,
        Names(&["manufacturing_general", "heavy_industry", "wholesale_logistics"]), V,
        "targeted sectors (docs/facts.md §2.2: general manufacturing, markets and logistics)"),
    Param::new("policy.non_capital_relief.hazard_multiplier", "x", Number(3.0), A,
        "multiplier on the yearly move hazard of targeted firms")
        .range(1.0, 1000.0),
    Param::new("policy.non_capital_relief.extra_cost", OF_VALUE_ADDED, Number(0.05), A,
        "cost of staying for targeted firms")
        .range(0.0, 1.0),
    Param::new("policy.non_capital_relief.ban_entry", "bool", Bool(false), A,
        "no new targeted firms in the target cities"),
    Param::new("policy.non_capital_relief.close_share", SHARE, Number(0.3), A,
        "pushed firms that find nowhere better and close rather than stay")
        .range(0.0, 1.0),
    Param::new("policy.non_capital_relief.receiving_cities", CITIES, Names(NONE), A,
        "designated receiving places (empty = none)"),
    Param::new("policy.non_capital_relief.receiving_bonus", OF_VALUE_ADDED, Number(0.0), A,
        "bonus for targeted sectors in the receiving places")
        .range(0.0, 1.0),
];

#[rustfmt::skip]
const XIONGAN_INCENTIVES: &[Param] = &[
    Param::new("policy.xiongan_incentives.cities", CITIES, Names(&["Xiong'an"]), V,
        "receiving places (docs/source-essay.md §1: Xiong'an)"),
    Param::new("policy.xiongan_incentives.sectors", SECTORS, Names(NONE), A,
        "sectors receiving the firm incentives (empty = all)"),
    Param::new("policy.xiongan_incentives.subsidy_per_job_yuan", "yuan/job/year", Number(10_000.0), A,
        "subsidy per job, set against value added per worker there")
        .range(0.0, 1e6),
    Param::new("policy.xiongan_incentives.land_discount", SHARE, Number(0.3), A,
        "fraction off land cost for firms")
        .range(0.0, 1.0),
    Param::new("policy.xiongan_incentives.tax_holiday_years", "years", Integer(3), A,
        "tax holiday for arriving firms (docs/facts.md §2.4: 3-5-year exemptions, unverified)")
        .range(0.0, u8::MAX as f64),
    Param::new("policy.xiongan_incentives.hukou_for_movers", "bool", Bool(true), V,
        "movers receive local hukou, and the barrier falls for holders of a hukou of the region, not for arrivals from the rest of China [A] (docs/facts.md §2.4: points hukou since 2021, direct application for relocated Beijing staff)"),
    Param::new("policy.xiongan_incentives.public_services_target", "index, Beijing = 1", Number(0.8), A,
        "level that relocated schools and hospitals lift public services toward")
        .range(0.0, 10.0),
];

#[rustfmt::skip]
const INTEREST_COMPENSATION: &[Param] = &[
    Param::new("policy.interest_compensation.origins", CITIES, Names(&["Beijing", "Tianjin"]), A,
        "origins whose government-directed moves share tax"),
    Param::new("policy.interest_compensation.destinations", CITIES, Names(NONE), A,
        "destinations covered (empty = every city not an origin)"),
    Param::new("policy.interest_compensation.sectors", SECTORS, Names(NONE), A,
        "sectors covered (empty = all)"),
    Param::new("policy.interest_compensation.origin_share", SHARE, Number(0.5), V,
        "origin's share of the moved firm's tax (docs/facts.md §2.3: 50:50)")
        .range(0.0, 1.0),
    Param::new("policy.interest_compensation.years", "years", Integer(3), V,
        "years of sharing (docs/facts.md §2.3: 3)")
        .range(0.0, u8::MAX as f64),
    Param::new("policy.interest_compensation.extension_years", "years", Integer(2), V,
        "extra years when the cap is not reached (docs/facts.md §2.3: 2, to 5 in all)")
        .range(0.0, u8::MAX as f64),
    Param::new("policy.interest_compensation.min_annual_tax_yuan", "yuan/year", Number(20e6), V,
        "eligibility: average yearly three taxes before the move (docs/facts.md §2.3: 20 million)")
        .range(0.0, 1e12),
    Param::new("policy.interest_compensation.three_tax_rate", OF_VALUE_ADDED, Number(0.15), A,
        "the three taxes (VAT, corporate income tax, business tax), for eligibility only")
        .range(0.0, 1.0),
    Param::new("policy.interest_compensation.resistance_reduction", SHARE, Number(0.8), A,
        "fraction by which sharing lowers the origin's resistance to directed moves")
        .range(0.0, 1.0),
    Param::new("policy.interest_compensation.directed_hazard", "probability/year", Number(0.02), A,
        "chance an origin government leads an eligible firm out")
        .range(0.0, 1.0),
];

#[rustfmt::skip]
const GROWTH_POLE: &[Param] = &[
    Param::new("policy.growth_pole.cities", CITIES, Names(&["Shijiazhuang"]), V,
        "the hubs strengthened (docs/source-essay.md §1, 2: Shijiazhuang)"),
    Param::new("policy.growth_pole.sectors", SECTORS, Names(NONE), A,
        "sectors whose productivity rises (empty = all)"),
    Param::new("policy.growth_pole.productivity_gain", "fraction", Number(0.05), A,
        "rise in the productivity of firms in the hub")
        .range(-0.5, 2.0),
    Param::new("policy.growth_pole.amenity", "logit units", Number(0.1), A,
        "added to residents' utility of living in the hub")
        .range(-5.0, 5.0),
];

#[rustfmt::skip]
const COASTAL_BELT: &[Param] = &[
    Param::new("policy.coastal_belt.cities", CITIES,
        Names(&["Tianjin", "Tangshan", "Qinhuangdao", "Cangzhou"]), V,
        "cities of the belt (docs/source-essay.md §1)"),
    Param::new("policy.coastal_belt.sectors", SECTORS, Names(NONE), A,
        "sectors covered (empty = all; each gains in proportion to its port_affinity)"),
    Param::new("policy.coastal_belt.logistics_saving", OF_VALUE_ADDED, Number(0.05), A,
        "logistics cost saved by a sector of port_affinity 1")
        .range(0.0, 1.0),
];

#[rustfmt::skip]
const INNOVATION_COMMUNITY: &[Param] = &[
    Param::new("policy.innovation_community.cities", CITIES, Names(&["Shijiazhuang"]), V,
        "cities hosting the platforms (docs/source-essay.md §2: investment focused on Shijiazhuang)"),
    Param::new("policy.innovation_community.sectors", SECTORS,
        Names(&["tech_rnd", "high_end_manufacturing", "biomedicine"]), V,
        "sectors that gain (docs/source-essay.md §2: AI, new energy, new materials, R&D; empty = all)"),
    Param::new("policy.innovation_community.productivity_growth", "fraction/year", Number(0.01), A,
        "yearly productivity growth from the platforms")
        .range(-0.2, 0.5),
    Param::new("policy.innovation_community.spillover_growth", "fraction/year", Number(0.01), A,
        "extra yearly growth at the capital's door, decaying with distance")
        .range(0.0, 0.5),
    Param::new("policy.innovation_community.spillover_decay_km", "km", Number(150.0), A,
        "distance over which the spillover falls to 1/e")
        .range(1.0, 1e5),
];

#[rustfmt::skip]
const INDUSTRIAL_GRADIENT: &[Param] = &[
    Param::new("policy.industrial_gradient.cities", CITIES, Names(&["Xiong'an"]), V,
        "designated cities (docs/source-essay.md §3: the concentrated bearing place; empty = all)"),
    Param::new("policy.industrial_gradient.sectors", SECTORS,
        Names(&["high_end_manufacturing", "biomedicine"]), V,
        "designated sectors (docs/source-essay.md §3: high-end equipment, intelligent manufacturing, biomedicine; empty = all)"),
    Param::new("policy.industrial_gradient.subsidy", OF_VALUE_ADDED, Number(0.05), A,
        "subsidy to designated sectors in designated cities")
        .range(0.0, 1.0),
    Param::new("policy.industrial_gradient.land_discount", SHARE, Number(0.2), A,
        "fraction off their land cost")
        .range(0.0, 1.0),
];

#[rustfmt::skip]
const PUBLIC_SERVICE_EQUALIZATION: &[Param] = &[
    Param::new("policy.public_service_equalization.cities", CITIES, Names(NONE), A,
        "recipients (empty = the region's hinterland, Hebei)"),
    Param::new("policy.public_service_equalization.donors", CITIES, Names(NONE), A,
        "cities paying, in proportion to their revenue (empty = the central government, outside the region)"),
    Param::new("policy.public_service_equalization.gap_share", SHARE, Number(0.2), A,
        "share of the 2020 gap in tax revenue per resident to the capital that the transfer closes")
        .range(0.0, 1.0),
];

#[rustfmt::skip]
const RURAL_MICRO_CENTERS: &[Param] = &[
    Param::new("policy.rural_micro_centers.cities", CITIES, Names(NONE), A,
        "cities that gain (empty = every city smaller than small_city_population)"),
    Param::new("policy.rural_micro_centers.small_city_population", "persons", Integer(5_000_000), A,
        "2020 population below which a city counts as small, used when cities is empty")
        .range(0.0, MAX_COUNT as f64),
    Param::new("policy.rural_micro_centers.amenity", "logit units", Number(0.05), A,
        "added to residents' utility of living there")
        .range(-5.0, 5.0),
    Param::new("policy.rural_micro_centers.capacity_increase", "fraction", Number(0.1), A,
        "added housing capacity, a fraction of the city's capacity")
        .range(0.0, 10.0),
    Param::new("policy.rural_micro_centers.public_services_increase", "fraction", Number(0.1), A,
        "rise of public services over the city's 2020 level")
        .range(0.0, 10.0),
];

#[rustfmt::skip]
const ECOLOGICAL_COGOVERNANCE: &[Param] = &[
    Param::new("policy.ecological_cogovernance.cities", CITIES, Names(NONE), A,
        "cities under joint control (empty = all)"),
    Param::new("policy.ecological_cogovernance.sectors", SECTORS, Names(NONE), A,
        "sectors charged (empty = all; each pays in proportion to its pollution_intensity)"),
    Param::new("policy.ecological_cogovernance.charge_per_intensity", OF_VALUE_ADDED, Number(0.03), A,
        "charge per unit of the sector's pollution_intensity")
        .range(0.0, 1.0),
    Param::new("policy.ecological_cogovernance.ban_new_polluters", "bool", Bool(false), A,
        "no new firms of polluting sectors in the target cities (a cap on new emissions)"),
    Param::new("policy.ecological_cogovernance.polluter_min_intensity", "pollution_intensity", Number(1.0), A,
        "intensity from which a sector counts as polluting")
        .range(0.0, 1e6),
    Param::new("policy.ecological_cogovernance.compensation_to", CITIES, Names(NONE), A,
        "cities receiving ecological compensation (empty = none)"),
    Param::new("policy.ecological_cogovernance.compensation_from", CITIES, Names(NONE), A,
        "cities paying it, in proportion to revenue (empty = the central government)"),
    Param::new("policy.ecological_cogovernance.compensation_per_head_yuan", "yuan/resident/year", Number(0.0), A,
        "compensation per resident of a receiving city")
        .range(0.0, 1e6),
];

#[rustfmt::skip]
const DEVELOPMENT_INTENSITY_CONTROL: &[Param] = &[
    Param::new("policy.development_intensity_control.caps", "city name = persons", EmptyTable, V,
        "capacity cap per city, e.g. { Beijing = 23000000 } (empty = each city's population_cap in the region file, Beijing's 23 million, docs/facts.md §2.1)")
        .range(1.0, MAX_COUNT as f64),
];

#[rustfmt::skip]
const FACTOR_MOBILITY: &[Param] = &[
    Param::new("policy.factor_mobility.cities", CITIES, Names(NONE), A,
        "cities whose barriers fall (empty = all)"),
    Param::new("policy.factor_mobility.hukou_barrier_reduction", SHARE, Number(0.5), A,
        "fraction off the hukou barrier of living there for holders of another city's hukou of the region (people registered outside the region keep it)")
        .range(0.0, 1.0),
    Param::new("policy.factor_mobility.migration_cost_reduction", SHARE, Number(0.3), A,
        "fraction off the distance cost of migrating there from another city of the region")
        .range(0.0, 1.0),
    Param::new("policy.factor_mobility.migration_rate_multiplier", "x", Number(1.0), A,
        "multiplies the yearly chance that residents there reconsider where they live")
        .range(0.0, 10.0),
];

#[rustfmt::skip]
const FREE_TRADE_ZONE: &[Param] = &[
    Param::new("policy.free_trade_zone.cities", CITIES, Names(&["Tianjin"]), M,
        "cities with a zone (Tianjin's pilot zone dates from 2015)"),
    Param::new("policy.free_trade_zone.sectors", SECTORS, Names(NONE), A,
        "sectors covered (empty = all)"),
    Param::new("policy.free_trade_zone.cost_reduction", OF_VALUE_ADDED, Number(0.03), A,
        "costs saved by firms in the zone")
        .range(0.0, 1.0),
];

/// Each kind's parameters, in the order of `crate::policy::KINDS`.
pub(super) const KINDS: &[&[Param]] = &[
    NON_CAPITAL_RELIEF,
    XIONGAN_INCENTIVES,
    INTEREST_COMPENSATION,
    GROWTH_POLE,
    COASTAL_BELT,
    INNOVATION_COMMUNITY,
    INDUSTRIAL_GRADIENT,
    PUBLIC_SERVICE_EQUALIZATION,
    RURAL_MICRO_CENTERS,
    ECOLOGICAL_COGOVERNANCE,
    DEVELOPMENT_INTENSITY_CONTROL,
    FACTOR_MOBILITY,
    FREE_TRADE_ZONE,
];
