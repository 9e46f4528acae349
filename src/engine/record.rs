//! Data collection: what one step reports, computed from the model (mesa's reporters).
//! Counts are kept in agents here; sinks convert them to real units (agents / scale).

use crate::math::Det;
use std::collections::BTreeMap;

use crate::engine::Model;
use crate::engine::indicators as ind;

/// (origin, destination, sector or None for moves not tied to a firm).
pub type FlowKey = (u8, u8, Option<u8>);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowCount {
    /// Sum of the moved firms' weights (`crate::agents::FULL_WEIGHT` per whole agent).
    pub firms: u64,
    pub jobs: u64,
    pub persons: u64,
}

/// Flows of one step, ordered by key so output order never depends on hashing.
pub type Flows = BTreeMap<FlowKey, FlowCount>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Move,
    Entry,
    Exit,
    /// A branch or subsidiary opened in another city: an entry whose origin is its
    /// parent's city.
    Branch,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Move => "move",
            EventKind::Entry => "entry",
            EventKind::Exit => "exit",
            EventKind::Branch => "branch",
        }
    }
}

/// One firm's move, entry or exit.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub firm: u32,
    pub sector: u8,
    pub employees: u32,
    pub origin: Option<u8>,
    pub destination: Option<u8>,
    pub kind: EventKind,
    /// 0 for a market decision, else the position of the policy in the scenario plus one.
    pub cause: u8,
    pub directed: bool,
    /// The firm agent's weight (`crate::agents::FULL_WEIGHT` for a whole agent).
    pub weight: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CityRow {
    pub population: u64,
    pub labour_force: u64,
    pub workers: u64,
    pub unemployed: u64,
    pub jobs: u64,
    pub commuters_out: u64,
    pub firms: u64,
    pub output_bn: f64,
    pub wage: f64,
    pub housing_cost: f64,
    pub public_services: f64,
    pub fiscal_revenue_bn: f64,
    pub shared_tax_in_bn: f64,
    /// Fiscal transfers received minus paid.
    pub transfers_bn: f64,
    pub pollution: f64,
    pub births: u64,
    pub deaths: u64,
    /// From outside the region.
    pub arrivals: u64,
    /// To outside the region.
    pub departures: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CitySectorRow {
    pub city: u8,
    pub sector: u8,
    pub firms: u64,
    pub employment: u64,
    pub output_bn: f64,
}

/// Everything one step reports.
#[derive(Clone, Debug)]
pub struct StepFrame {
    pub step: u32,
    pub year: i32,
    pub cities: Vec<CityRow>,
    pub city_sectors: Vec<CitySectorRow>,
    pub flows: Flows,
    pub indicators: Vec<(String, f64)>,
    pub events: Vec<Event>,
}

impl StepFrame {
    pub fn build(m: &Model, flows: Flows, events: Vec<Event>) -> StepFrame {
        let cs = &m.cities;
        let n = m.region.n_cities();
        let ns = m.region.n_sectors();
        let cities = (0..n)
            .map(|c| {
                let lf = cs.counts.labour_force[0][c] + cs.counts.labour_force[1][c];
                let emp = cs.counts.employed[0][c] + cs.counts.employed[1][c];
                let wage = if lf > 0 {
                    (cs.wage[0][c] * cs.counts.labour_force[0][c] as f64
                        + cs.wage[1][c] * cs.counts.labour_force[1][c] as f64)
                        / lf as f64
                } else {
                    cs.wage[0][c]
                };
                // Choices compare wages net of the trend every city and the outside
                // option share (docs/model.md §7.15); the reported wage is in constant
                // prices like output, so it grows with productivity as output does.
                let wage = wage * m.productivity_trend;
                CityRow {
                    population: cs.counts.population[c],
                    labour_force: lf,
                    workers: emp,
                    unemployed: lf - emp,
                    jobs: cs.counts.jobs[c],
                    commuters_out: cs.counts.commuters_out[c],
                    firms: cs.counts.firms[c],
                    output_bn: cs.output_cs[c * ns..(c + 1) * ns].iter().sum(),
                    wage,
                    housing_cost: cs.housing[c],
                    public_services: cs.services[c],
                    fiscal_revenue_bn: cs.revenue[c] / 1e9,
                    shared_tax_in_bn: cs.shared_in[c] / 1e9,
                    transfers_bn: cs.transfers[c] / 1e9,
                    pollution: cs.pollution[c],
                    births: m.vital.births[c],
                    deaths: m.vital.deaths[c],
                    arrivals: m.vital.arrivals[c],
                    departures: m.vital.departures[c],
                }
            })
            .collect::<Vec<_>>();
        let city_sectors = (0..n * ns)
            .map(|i| CitySectorRow {
                city: (i / ns) as u8,
                sector: (i % ns) as u8,
                firms: cs.counts.firms_cs[i],
                employment: cs.counts.employment_cs[i],
                output_bn: cs.output_cs[i],
            })
            .collect();
        let indicators = indicators(m, &cities, &flows, &events);
        StepFrame {
            step: m.step,
            year: m.year(),
            cities,
            city_sectors,
            flows,
            indicators,
            events,
        }
    }

    pub fn indicator(&self, name: &str) -> Option<f64> {
        self.indicators
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }
}

/// The indicators of docs/model.md §4.7, each put under its catalogue entry.
fn indicators(
    m: &Model,
    cities: &[CityRow],
    flows: &Flows,
    events: &[Event],
) -> Vec<(String, f64)> {
    let real = |agents: u64| agents as f64 / m.scale;
    // Firm counts are sums of agent weights.
    let firms = |weights: u64| crate::agents::firm_agents(weights) / m.scale;
    let weighed = |pick: &dyn Fn(&Event) -> bool| -> f64 {
        firms(
            events
                .iter()
                .filter(|e| pick(e))
                .map(|e| u64::from(e.weight))
                .sum(),
        )
    };
    let r = &m.region;
    let cap = r.capital;
    let mut out = Put::new(&r.spec);
    let total_pop: u64 = cities.iter().map(|c| c.population).sum();
    out.put(&ind::TOTAL_POPULATION, real(total_pop));
    out.put(
        &ind::TOTAL_FIRMS,
        firms(cities.iter().map(|c| c.firms).sum()),
    );
    out.put(&ind::CAPITAL_POPULATION, real(cities[cap].population));
    if let Some(limit) = r.city(cap).population_cap {
        let gap = limit as f64 - real(cities[cap].population);
        out.put(&ind::CAPITAL_CAP_GAP, gap);
    }
    if let Some(na) = r.new_area {
        out.put(&ind::NEW_AREA_POPULATION, real(cities[na].population));
        out.put(&ind::NEW_AREA_FIRMS, firms(cities[na].firms));
        out.put(&ind::NEW_AREA_JOBS, real(cities[na].jobs));
    }
    let cumulative = &m.cumulative;
    out.put(
        &ind::FIRMS_OUT_OF_CAPITAL_CUM,
        firms(cumulative.firms_out_of_capital),
    );
    out.put(
        &ind::JOBS_OUT_OF_CAPITAL_CUM,
        real(cumulative.jobs_out_of_capital),
    );
    out.put(&ind::FIRM_MOVES, weighed(&|e| e.kind == EventKind::Move));
    let capital = Some(cap as u8);
    out.put(
        &ind::BRANCHES_FROM_CAPITAL,
        weighed(&|e| e.kind == EventKind::Branch && e.origin == capital),
    );
    out.put(&ind::DIRECTED_MOVES, weighed(&|e| e.directed));
    out.put(&ind::DIRECTED_MOVES_CUM, firms(cumulative.directed_moves));
    out.put(
        &ind::DIRECTED_BLOCKED_CUM,
        firms(cumulative.directed_blocked),
    );
    let total_output: f64 = cities.iter().map(|c| c.output_bn).sum();
    out.put(&ind::TOTAL_OUTPUT, total_output);
    if r.spec.hinterland.is_some() {
        hinterland(m, cities, (total_pop, total_output), &mut out);
    }
    spread(m, cities, &mut out);
    fiscal_and_policy(m, cities, flows, total_output, &mut out);
    out.values
}

/// Indicators put in record order, named by the catalogue for the run's region.
struct Put {
    places: ind::Places,
    values: Vec<(String, f64)>,
}

impl Put {
    fn new(spec: &crate::region::RegionSpec) -> Put {
        Put {
            places: ind::Places::of(spec),
            values: Vec::new(),
        }
    }

    fn put(&mut self, entry: &'static ind::Indicator, v: f64) {
        let name = entry
            .name_in(&self.places)
            .expect("record puts only the indicators the catalogue gives its region");
        self.values.push((name, v));
    }
}

/// The hinterland's shares and the public-services gap between it and the capital.
fn hinterland(m: &Model, cities: &[CityRow], (total_pop, total_output): (u64, f64), out: &mut Put) {
    let hin = m.region.hinterland_cities();
    let share: f64 = hin.iter().map(|&c| cities[c].output_bn).sum();
    out.put(&ind::HINTERLAND_OUTPUT_SHARE, share / total_output);
    let people: u64 = hin.iter().map(|&c| cities[c].population).sum();
    out.put(
        &ind::HINTERLAND_POPULATION_SHARE,
        people as f64 / total_pop.max(1) as f64,
    );
    let mean = hin.iter().map(|&c| cities[c].public_services).sum::<f64>() / hin.len() as f64;
    let gap = cities[m.region.capital].public_services - mean;
    out.put(&ind::PUBLIC_SERVICES_GAP, gap);
}

/// How unevenly output and people are spread over the cities, and unemployment.
fn spread(m: &Model, cities: &[CityRow], out: &mut Put) {
    let real = |agents: u64| agents as f64 / m.scale;
    let per_head: Vec<f64> = cities
        .iter()
        .map(|c| c.output_bn * 1e9 / real(c.population.max(1)))
        .collect();
    out.put(
        &ind::OUTPUT_PER_HEAD_CV,
        coefficient_of_variation(&per_head),
    );
    out.put(&ind::OUTPUT_PER_HEAD_THEIL, theil(cities));
    let mut pops: Vec<f64> = cities.iter().map(|c| real(c.population)).collect();
    pops.sort_by(|a, b| b.total_cmp(a));
    out.put(&ind::PRIMACY_RATIO, pops[0] / pops[1]);
    out.put(&ind::RANK_SIZE_SLOPE, rank_size_slope(&pops));
    let lf: u64 = cities.iter().map(|c| c.labour_force).sum();
    let un: u64 = cities.iter().map(|c| c.unemployed).sum();
    out.put(&ind::UNEMPLOYMENT_RATE, un as f64 / lf.max(1) as f64);
}

/// Public finance, environment and policy-target indicators (docs/model.md §4.7).
fn fiscal_and_policy(
    m: &Model,
    cities: &[CityRow],
    flows: &Flows,
    total_output: f64,
    out: &mut Put,
) {
    let real = |agents: u64| agents as f64 / m.scale;
    let revenue = cities.iter().map(|c| c.fiscal_revenue_bn).sum();
    out.put(&ind::FISCAL_REVENUE, revenue);
    let shared = cities.iter().map(|c| c.shared_tax_in_bn).sum();
    out.put(&ind::SHARED_TAX, shared);
    out.put(&ind::SHARED_TAX_CUM, m.cumulative.shared_tax_yuan / 1e9);
    let pollution: f64 = cities.iter().map(|c| c.pollution).sum();
    out.put(&ind::POLLUTION_TOTAL, pollution);
    out.put(&ind::POLLUTION_PER_OUTPUT, pollution / total_output);
    let received = cities.iter().map(|c| c.transfers_bn.max(0.0)).sum();
    out.put(&ind::TRANSFERS, received);
    let moved = real(flows.values().map(|f| f.persons).sum());
    out.put(&ind::PERSONS_MOVED, moved);
    out.put(&ind::POPULATION_OVER_CAPS, population_over_caps(m, cities));
}

/// Residents above the capacity caps policies set, summed over capped cities (real
/// persons): how far a development-intensity control is from holding.
fn population_over_caps(m: &Model, cities: &[CityRow]) -> f64 {
    let caps = &m.levers.capacity_cap;
    cities
        .iter()
        .zip(caps)
        .filter(|(_, cap)| cap.is_finite())
        .map(|(c, cap)| (c.population as f64 / m.scale - cap).max(0.0))
        .sum()
}

fn coefficient_of_variation(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// Population-weighted Theil index of output per head: sum of s_i ln(s_i / p_i).
fn theil(cities: &[CityRow]) -> f64 {
    let out: f64 = cities.iter().map(|c| c.output_bn).sum();
    let pop: f64 = cities.iter().map(|c| c.population as f64).sum();
    cities
        .iter()
        .filter(|c| c.output_bn > 0.0 && c.population > 0)
        .map(|c| {
            let s = c.output_bn / out;
            s * (s / (c.population as f64 / pop)).dln()
        })
        .sum()
}

/// Least-squares slope of ln(population) on ln(rank), cities sorted largest first
/// (about -1 under Zipf's law; flatter means a more even urban system).
fn rank_size_slope(sorted_desc: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = sorted_desc
        .iter()
        .enumerate()
        .filter(|(_, p)| **p > 0.0)
        .map(|(i, p)| (((i + 1) as f64).dln(), p.dln()))
        .collect();
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_size_slope_of_zipf_is_minus_one() {
        let pops: Vec<f64> = (1..=10).map(|r| 1000.0 / r as f64).collect();
        assert!((rank_size_slope(&pops) + 1.0).abs() < 1e-9);
    }
}
