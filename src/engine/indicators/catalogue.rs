//! The entries of the catalogue: data, in the order the files hold them. Kept apart from
//! the types and lookups of `indicators` so that adding an indicator means reading one
//! list.

use super::{Amount, Column, Indicator, Unit, When};
use crate::engine::record::{CityRow, CitySectorRow, FlowCount};

use Amount::{Agents, Firms, Real};

const fn region(
    name: &'static str,
    unit: Unit,
    label: &'static str,
    description: &'static str,
    computed: &'static str,
) -> Indicator {
    Indicator {
        name,
        unit,
        label,
        description,
        computed,
        when: When::Always,
    }
}

const fn only(when: When, i: Indicator) -> Indicator {
    Indicator { when, ..i }
}

pub static TOTAL_POPULATION: Indicator = region(
    "total_population",
    Unit::Persons,
    "Total population",
    "residents of the region",
    "sum of the cities' population",
);
pub static TOTAL_FIRMS: Indicator = region(
    "total_firms",
    Unit::Firms,
    "Total firms",
    "firms located in the region",
    "sum of the cities' firms",
);
pub static CAPITAL_POPULATION: Indicator = region(
    "{capital}_population",
    Unit::Persons,
    "{capital} population",
    "residents of {capital}",
    "the capital's population column",
);
pub static CAPITAL_CAP_GAP: Indicator = only(
    When::CapitalCapped,
    region(
        "{capital}_cap_gap",
        Unit::Persons,
        "{capital} room under its population cap",
        "{capital}'s population cap in the region data minus its residents (negative above the cap)",
        "population_cap - capital population",
    ),
);
pub static NEW_AREA_POPULATION: Indicator = only(
    When::NewArea,
    region(
        "{new_area}_population",
        Unit::Persons,
        "{new_area} population",
        "residents of {new_area}",
        "the new area's population column",
    ),
);
pub static NEW_AREA_FIRMS: Indicator = only(
    When::NewArea,
    region(
        "{new_area}_firms",
        Unit::Firms,
        "{new_area} firms",
        "firms located in {new_area}",
        "the new area's firms column",
    ),
);
pub static NEW_AREA_JOBS: Indicator = only(
    When::NewArea,
    region(
        "{new_area}_jobs",
        Unit::Jobs,
        "{new_area} jobs",
        "jobs located in {new_area}",
        "the new area's jobs column",
    ),
);
pub static FIRMS_OUT_OF_CAPITAL_CUM: Indicator = region(
    "firms_moved_out_of_{capital}_cum",
    Unit::Firms,
    "Firms moved out of {capital} (cumulative)",
    "firms that moved from {capital} to another city since the start",
    "running sum of moves with the capital as origin (Cumulative::firms_out_of_capital)",
);
pub static JOBS_OUT_OF_CAPITAL_CUM: Indicator = region(
    "jobs_moved_out_of_{capital}_cum",
    Unit::Jobs,
    "Jobs moved out of {capital} (cumulative)",
    "employees of the firms that moved out of {capital} since the start, at their moves",
    "running sum of the employees of those moves (Cumulative::jobs_out_of_capital)",
);
pub static FIRM_MOVES: Indicator = region(
    "firm_moves",
    Unit::Firms,
    "Firm moves",
    "firms that moved between cities this step",
    "count of move events of the step",
);
pub static BRANCHES_FROM_CAPITAL: Indicator = region(
    "branches_from_{capital}",
    Unit::Firms,
    "Branches opened by {capital} firms",
    "branches and subsidiaries that firms of {capital} opened in other cities this step (not moves: the parent stays)",
    "count of the step's branch events with the capital as origin",
);
pub static DIRECTED_MOVES: Indicator = region(
    "directed_moves",
    Unit::Firms,
    "Directed moves",
    "government-led firm moves this step",
    "count of the step's events marked directed",
);
pub static DIRECTED_MOVES_CUM: Indicator = region(
    "directed_moves_cum",
    Unit::Firms,
    "Directed moves (cumulative)",
    "government-led firm moves since the start",
    "running sum of directed moves (Cumulative::directed_moves)",
);
pub static DIRECTED_BLOCKED_CUM: Indicator = region(
    "directed_moves_blocked_cum",
    Unit::Firms,
    "Directed moves blocked (cumulative)",
    "directed moves the origin blocked, since the start",
    "running sum of blocked directed moves (Cumulative::directed_blocked)",
);
pub static TOTAL_OUTPUT: Indicator = region(
    "total_output_bn",
    Unit::BnYuan,
    "Total output",
    "value added of the region",
    "sum of the cities' output",
);
pub static HINTERLAND_OUTPUT_SHARE: Indicator = only(
    When::Hinterland,
    region(
        "{hinterland}_output_share",
        Unit::Share,
        "{hinterland} share of output",
        "value added of {hinterland}'s cities over the region's",
        "hinterland cities' output / total output",
    ),
);
pub static HINTERLAND_POPULATION_SHARE: Indicator = only(
    When::Hinterland,
    region(
        "{hinterland}_population_share",
        Unit::Share,
        "{hinterland} share of population",
        "residents of {hinterland}'s cities over the region's",
        "hinterland cities' population / total population",
    ),
);
pub static PUBLIC_SERVICES_GAP: Indicator = only(
    When::Hinterland,
    region(
        "public_services_gap",
        Unit::Index,
        "Public-services gap",
        "{capital}'s public-services index minus the mean over {hinterland}'s cities",
        "capital's public_services - unweighted mean of the hinterland cities'",
    ),
);
pub static OUTPUT_PER_HEAD_CV: Indicator = region(
    "output_per_head_cv",
    Unit::Ratio,
    "Dispersion of output per head",
    "coefficient of variation (sd / mean) of output per head across cities, unweighted",
    "record::coefficient_of_variation of output * 1e9 / population per city",
);
pub static OUTPUT_PER_HEAD_THEIL: Indicator = region(
    "output_per_head_theil",
    Unit::Index,
    "Theil index of output per head",
    "population-weighted Theil index of output per head across cities (0 = equal)",
    "record::theil: sum of s_i ln(s_i / p_i) over output shares s and population shares p",
);
pub static PRIMACY_RATIO: Indicator = region(
    "primacy_ratio",
    Unit::Ratio,
    "Primacy ratio",
    "population of the largest city over that of the second",
    "largest / second largest city population",
);
pub static RANK_SIZE_SLOPE: Indicator = region(
    "rank_size_slope",
    Unit::Slope,
    "Rank-size slope",
    "slope of ln population on ln rank across cities: -1 is Zipf's law, flatter is more even",
    "record::rank_size_slope: least-squares fit over cities sorted largest first",
);
pub static UNEMPLOYMENT_RATE: Indicator = region(
    "unemployment_rate",
    Unit::Share,
    "Unemployment rate",
    "unemployed residents over the labour force of the region",
    "sum of unemployed / sum of labour force",
);
pub static FISCAL_REVENUE: Indicator = region(
    "fiscal_revenue_bn",
    Unit::BnYuan,
    "Fiscal revenue",
    "local tax revenue of all cities this step, including shared tax and net transfers",
    "sum of the cities' fiscal_revenue",
);
pub static SHARED_TAX: Indicator = region(
    "shared_tax_bn",
    Unit::BnYuan,
    "Shared tax",
    "tax that moved firms shared with their origins this step (interest compensation)",
    "sum of the cities' shared_tax_in",
);
pub static SHARED_TAX_CUM: Indicator = region(
    "shared_tax_cum_bn",
    Unit::BnYuan,
    "Shared tax (cumulative)",
    "tax shared with origins since the start",
    "running sum of shared tax (Cumulative::shared_tax_yuan / 1e9)",
);
pub static POLLUTION_TOTAL: Indicator = region(
    "pollution_total",
    Unit::Index,
    "Pollution",
    "pollution index of the region (output weighted by each sector's pollution intensity)",
    "sum of the cities' pollution",
);
pub static POLLUTION_PER_OUTPUT: Indicator = region(
    "pollution_per_output",
    Unit::IndexPerBnYuan,
    "Pollution per output",
    "pollution index per bn yuan of the region's value added",
    "pollution_total / total_output_bn",
);
pub static TRANSFERS: Indicator = region(
    "transfers_bn",
    Unit::BnYuan,
    "Fiscal transfers",
    "fiscal transfers received by cities this step (net receipts of the receiving cities)",
    "sum over cities of max(transfers, 0)",
);
pub static PERSONS_MOVED: Indicator = region(
    "persons_moved",
    Unit::Persons,
    "Persons moved",
    "persons who changed city this step: migrants, firm followers and their dependents",
    "sum of the step's flows of persons",
);
pub static POPULATION_OVER_CAPS: Indicator = region(
    "population_over_caps",
    Unit::Persons,
    "Population over capacity caps",
    "residents above the capacity caps that policies set, summed over the capped cities (0 without caps)",
    "record::population_over_caps: sum of max(population - cap, 0)",
);

/// Every indicator, in the order `record` writes them.
pub static ALL: [&Indicator; 31] = [
    &TOTAL_POPULATION,
    &TOTAL_FIRMS,
    &CAPITAL_POPULATION,
    &CAPITAL_CAP_GAP,
    &NEW_AREA_POPULATION,
    &NEW_AREA_FIRMS,
    &NEW_AREA_JOBS,
    &FIRMS_OUT_OF_CAPITAL_CUM,
    &JOBS_OUT_OF_CAPITAL_CUM,
    &FIRM_MOVES,
    &BRANCHES_FROM_CAPITAL,
    &DIRECTED_MOVES,
    &DIRECTED_MOVES_CUM,
    &DIRECTED_BLOCKED_CUM,
    &TOTAL_OUTPUT,
    &HINTERLAND_OUTPUT_SHARE,
    &HINTERLAND_POPULATION_SHARE,
    &PUBLIC_SERVICES_GAP,
    &OUTPUT_PER_HEAD_CV,
    &OUTPUT_PER_HEAD_THEIL,
    &PRIMACY_RATIO,
    &RANK_SIZE_SLOPE,
    &UNEMPLOYMENT_RATE,
    &FISCAL_REVENUE,
    &SHARED_TAX,
    &SHARED_TAX_CUM,
    &POLLUTION_TOTAL,
    &POLLUTION_PER_OUTPUT,
    &TRANSFERS,
    &PERSONS_MOVED,
    &POPULATION_OVER_CAPS,
];

/// The indicators a policy team looks at first (docs/model.md §4.7), in reporting order.
pub static HEADLINE: [&Indicator; 12] = [
    &CAPITAL_POPULATION,
    &CAPITAL_CAP_GAP,
    &NEW_AREA_POPULATION,
    &NEW_AREA_FIRMS,
    &FIRMS_OUT_OF_CAPITAL_CUM,
    &HINTERLAND_OUTPUT_SHARE,
    &OUTPUT_PER_HEAD_CV,
    &RANK_SIZE_SLOPE,
    &UNEMPLOYMENT_RATE,
    &POLLUTION_TOTAL,
    &PUBLIC_SERVICES_GAP,
    &SHARED_TAX_CUM,
];

const fn city(
    name: &'static str,
    unit: Unit,
    label: &'static str,
    description: &'static str,
    computed: &'static str,
    value: fn(&CityRow) -> Amount,
) -> Column<CityRow> {
    Column {
        name,
        unit,
        label,
        description,
        computed,
        value,
    }
}

/// Residents of a city: the column charts and maps draw.
pub const CITY_POPULATION: Column<CityRow> = city(
    "population",
    Unit::Persons,
    "population",
    "residents",
    "persons living in the city",
    |c| Agents(c.population),
);

/// The value columns of cities.parquet, after step, year and city, in file order.
pub static CITY: [Column<CityRow>; 19] = [
    CITY_POPULATION,
    city(
        "labour_force",
        Unit::Persons,
        "labour force",
        "residents in the labour force",
        "low- plus high-skill labour force",
        |c| Agents(c.labour_force),
    ),
    city(
        "workers",
        Unit::Persons,
        "workers",
        "employed residents (wherever they work)",
        "low- plus high-skill employed residents",
        |c| Agents(c.workers),
    ),
    city(
        "unemployed",
        Unit::Persons,
        "unemployed",
        "labour force without a job",
        "labour_force - workers",
        |c| Agents(c.unemployed),
    ),
    city(
        "jobs",
        Unit::Jobs,
        "jobs",
        "jobs located in the city (wherever the workers live)",
        "employees of the city's firms",
        |c| Agents(c.jobs),
    ),
    city(
        "commuters_out",
        Unit::Persons,
        "out-commuters",
        "residents working in another city",
        "residents whose work city differs",
        |c| Agents(c.commuters_out),
    ),
    city(
        "firms",
        Unit::Firms,
        "firms",
        "firms located in the city",
        "live firms in the city",
        |c| Firms(c.firms),
    ),
    city(
        "output",
        Unit::BnYuan,
        "output",
        "value added in constant prices of the run's start year",
        "sum over sectors of the city's value added",
        |c| Real(c.output_bn),
    ),
    city(
        "wage",
        Unit::YuanPerYear,
        "wage",
        "mean wage of the labour force, in constant prices of the run's start year",
        "low- and high-skill wages weighted by their labour force, times the productivity trend",
        |c| Real(c.wage),
    ),
    city(
        "housing_cost",
        Unit::Index,
        "housing cost",
        "housing/land cost index, scaled as the region data's housing_index (Jing-Jin-Ji: Beijing 2020 = 1)",
        "housing_index x crowding relative to 2020 and to capacity",
        |c| Real(c.housing_cost),
    ),
    city(
        "public_services",
        Unit::Index,
        "public services",
        "public-services index, scaled as the region data's (Jing-Jin-Ji: Beijing 2020 = 1)",
        "moves toward the level revenue per head funds, or a policy's target",
        |c| Real(c.public_services),
    ),
    city(
        "fiscal_revenue",
        Unit::BnYuan,
        "fiscal revenue",
        "local tax revenue including shares received and net transfers",
        "tax of the city's firms - shares paid + shares received + net transfers",
        |c| Real(c.fiscal_revenue_bn),
    ),
    city(
        "shared_tax_in",
        Unit::BnYuan,
        "shared tax received",
        "of fiscal_revenue, tax shared in from firms that moved away (interest compensation)",
        "shares of moved firms' tax paid to this origin",
        |c| Real(c.shared_tax_in_bn),
    ),
    city(
        "transfers",
        Unit::BnYuan,
        "net transfers",
        "of fiscal_revenue, fiscal transfers received minus paid (public-service equalization, ecological compensation)",
        "per-resident payments of transfer rules, paid by donors in proportion to revenue",
        |c| Real(c.transfers_bn),
    ),
    city(
        "pollution",
        Unit::Index,
        "pollution",
        "pollution index: output weighted by each sector's pollution intensity",
        "sum over sectors of output x pollution_intensity",
        |c| Real(c.pollution),
    ),
    city(
        "births",
        Unit::Persons,
        "births",
        "children born to residents this year",
        "residents x the province's birth rate of the year (docs/model.md §7.16)",
        |c| Agents(c.births),
    ),
    city(
        "deaths",
        Unit::Persons,
        "deaths",
        "residents who died this year",
        "each resident dies with the province's death rate of the year",
        |c| Agents(c.deaths),
    ),
    city(
        "arrivals_from_outside",
        Unit::Persons,
        "arrivals from outside the region",
        "persons who moved in from the rest of China this year, dependants included",
        "in-migrants choosing the city over staying outside (docs/model.md §7.10)",
        |c| Agents(c.arrivals),
    ),
    city(
        "departures_to_outside",
        Unit::Persons,
        "departures to outside the region",
        "residents who left for the rest of China this year, dependants included",
        "migrants choosing the outside option",
        |c| Agents(c.departures),
    ),
];

/// The value columns of city_sectors.parquet, after step, year, city and sector.
pub static CITY_SECTOR: [Column<CitySectorRow>; 3] = [
    Column {
        name: "firms",
        unit: Unit::Firms,
        label: "firms",
        description: "firms of the sector located in the city",
        computed: "live firms per city and sector",
        value: |r| Firms(r.firms),
    },
    Column {
        name: "employment",
        unit: Unit::Jobs,
        label: "employment",
        description: "jobs of the sector's firms in the city",
        computed: "employees per city and sector",
        value: |r| Agents(r.employment),
    },
    Column {
        name: "output",
        unit: Unit::BnYuan,
        label: "output",
        description: "value added of the sector in the city at 2020 prices",
        computed: "value added of the cell's firms",
        value: |r| Real(r.output_bn),
    },
];

/// Firms moved between two cities: what the report's bars add up.
pub const FLOW_FIRMS: Column<FlowCount> = Column {
    name: "firms",
    unit: Unit::Firms,
    label: "firms moved",
    description: "firms that moved from origin to destination this step",
    computed: "move events per origin, destination and sector",
    value: |f| Firms(f.firms),
};

/// Persons moved between two cities: the arrows of the report's map.
pub const FLOW_PERSONS: Column<FlowCount> = Column {
    name: "persons",
    unit: Unit::Persons,
    label: "persons moved",
    description: "persons who changed residence (workers following a firm under its sector; others under a null sector)",
    computed: "residence changes per origin and destination",
    value: |f| Agents(f.persons),
};

/// The value columns of flows.parquet, after step, year, origin, destination and sector.
pub static FLOW: [Column<FlowCount>; 3] = [
    FLOW_FIRMS,
    Column {
        name: "jobs",
        unit: Unit::Jobs,
        label: "jobs moved",
        description: "employees of those firms at the time of the move",
        computed: "employees of the moved firms",
        value: |f| Agents(f.jobs),
    },
    FLOW_PERSONS,
];
