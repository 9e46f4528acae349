//! City state: counts taken from the running [`Tally`] at step boundaries, and the prices
//! and levels that agents react to (housing cost, wages, market potential, public
//! services).

use super::tally::Tally;
use crate::math::Det;
use crate::policy::Levers;
use crate::region::Region;
use crate::scenario::Behaviour;

/// Crowding raises housing cost at most e^50-fold: already far beyond what anyone pays,
/// and any more would overflow when a population stands far above a tight cap.
const MAX_CROWDING_EXPONENT: f64 = 50.0;

/// Per-city (and per city x sector, row-major) state. Counts are in agents.
#[derive(Clone, Debug, Default)]
pub struct CityState {
    pub n_sectors: usize,
    /// Agents per real person.
    pub scale: f64,
    /// The counts at the start of the step: what every pass within it sees.
    pub counts: Tally,
    /// Labour demand (sum of firm targets) by skill.
    pub demand: [Vec<f64>; 2],

    pub housing: Vec<f64>,
    pub wage: [Vec<f64>; 2],
    pub market: Vec<f64>,
    pub services: Vec<f64>,
    /// Value added per worker (yuan) for a sector of output_per_worker 1.
    pub va_per_worker: Vec<f64>,

    pub output_cs: Vec<f64>,
    /// Tax revenue plus shares received plus net transfers, yuan.
    pub revenue: Vec<f64>,
    pub shared_in: Vec<f64>,
    /// Fiscal transfers received minus paid, yuan.
    pub transfers: Vec<f64>,
    pub pollution: Vec<f64>,

    /// Start values that prices are expressed against.
    pub base_population: Vec<u64>,
    pub base_ratio: [Vec<f64>; 2],
    pub base_revenue_per_head: Vec<f64>,
}

impl CityState {
    pub fn empty(n: usize, ns: usize) -> CityState {
        CityState {
            n_sectors: ns,
            ..Default::default()
        }
        .with_len(n)
    }

    fn with_len(mut self, n: usize) -> Self {
        let ns = self.n_sectors;
        self.output_cs = vec![0.0; n * ns];
        self.revenue = vec![0.0; n];
        self.shared_in = vec![0.0; n];
        self.transfers = vec![0.0; n];
        self.pollution = vec![0.0; n];
        self
    }

    pub fn n(&self) -> usize {
        self.counts.population.len()
    }

    /// Takes the counts of the running tally: at the start and at the end of each step,
    /// so passes within a step all see the counts of its start.
    pub fn set_counts(&mut self, t: &Tally) {
        self.counts.clone_from(t);
        self.demand = t
            .demand_units
            .clone()
            .map(|units| units.iter().map(|&d| d as f64 / 1000.0).collect());
    }

    /// Sets start prices from the region's data and remembers the start state.
    pub fn initialise_prices(&mut self, region: &Region, b: &Behaviour, scale: f64) {
        let n = region.n_cities();
        self.scale = scale;
        self.va_per_worker = (0..n)
            .map(|c| crate::region::value_added_per_worker_yuan(region, c))
            .collect();
        let premium = region.spec.labour.high_skill_wage_premium;
        self.base_population = self.counts.population.clone();
        self.housing = (0..n).map(|c| region.city(c).housing_index).collect();
        self.services = (0..n).map(|c| region.city(c).public_services).collect();
        let mut low = vec![0.0; n];
        let mut high = vec![0.0; n];
        for c in 0..n {
            let hs = region.city(c).high_skill_share;
            low[c] = region.city(c).avg_wage / (1.0 - hs + hs * premium);
            high[c] = low[c] * premium;
        }
        self.wage = [low, high];
        self.base_ratio = [0, 1].map(|k| (0..n).map(|c| self.labour_ratio(k, c)).collect());
        self.market = self.market_potential(region, b);
    }

    fn labour_ratio(&self, k: usize, c: usize) -> f64 {
        (self.demand[k][c] + 1.0) / (self.counts.labour_force[k][c] as f64 + 1.0)
    }

    fn market_potential(&self, region: &Region, b: &Behaviour) -> Vec<f64> {
        let n = region.n_cities();
        (0..n)
            .map(|c| {
                (0..n)
                    .map(|d| {
                        self.counts.population[d] as f64
                            * (-region.distance(c, d) / b.market_decay_km).dexp()
                    })
                    .sum()
            })
            .collect()
    }

    /// Remembers start revenue per head, the level public services are funded at.
    pub fn set_base_revenue(&mut self) {
        self.base_revenue_per_head = (0..self.n())
            .map(|c| self.revenue[c] / self.counts.population[c].max(1) as f64)
            .collect();
    }

    /// Step pass 1: prices and levels from the state at the start of the step.
    /// Public services are funded by revenue per head net of `productivity_trend`: growth
    /// that the rest of China shares makes no city more attractive than leaving.
    pub fn update_prices(
        &mut self,
        region: &Region,
        b: &Behaviour,
        levers: &Levers,
        productivity_trend: f64,
    ) {
        let n = region.n_cities();
        for c in 0..n {
            let city = region.city(c);
            // Policy changes to capacity change housing supply: the same population
            // costs less where capacity grew and more where it is capped.
            let capacity = levers.capacity(c, city.capacity as f64);
            let supply = capacity / city.capacity as f64;
            let rel =
                self.counts.population[c] as f64 / (self.base_population[c].max(1) as f64 * supply);
            let over = (self.counts.population[c] as f64 / (capacity * self.scale) - 1.0).max(0.0);
            self.housing[c] = city.housing_index
                * rel.dpow(b.housing_elasticity)
                * (b.capacity_stiffness * over)
                    .min(MAX_CROWDING_EXPONENT)
                    .dexp();
            for k in 0..2 {
                let ratio = self.labour_ratio(k, c) / self.base_ratio[k][c];
                let hs = city.high_skill_share;
                let premium = region.spec.labour.high_skill_wage_premium;
                let base =
                    city.avg_wage / (1.0 - hs + hs * premium) * if k == 1 { premium } else { 1.0 };
                self.wage[k][c] = base * ratio.dpow(b.wage_elasticity);
            }
            let per_head =
                self.revenue[c] / productivity_trend / self.counts.population[c].max(1) as f64;
            let funded =
                city.public_services * (per_head / self.base_revenue_per_head[c].max(1e-12)).sqrt();
            let target = funded.max(levers.public_services_target[c]);
            self.services[c] += b.public_service_adjustment * (target - self.services[c]);
        }
        self.market = self.market_potential(region, b);
    }

    pub fn unemployment(&self, c: usize) -> f64 {
        let lf = (self.counts.labour_force[0][c] + self.counts.labour_force[1][c]) as f64;
        let emp = (self.counts.employed[0][c] + self.counts.employed[1][c]) as f64;
        if lf > 0.0 { 1.0 - emp / lf } else { 0.0 }
    }
}
