//! The mechanisms policies act through, as one per-step table the engine reads.
//!
//! Every policy kind writes only through the methods here, so each kind is explained by a
//! handful of mechanisms a reader can check, and the engine never needs to know which
//! kind asked for what. Neutral values multiply by exactly 1.0 or add exactly 0.0, so a
//! scenario without policies computes exactly what it would without this table.

/// The tax-sharing rule of interest compensation, as the fiscal pass applies it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaxSharing {
    pub cause: u8,
    pub origins: Vec<usize>,
    pub destinations: Vec<usize>,
    pub sectors: Vec<usize>,
    pub origin_share: f64,
    pub years: u8,
    pub extension_years: u8,
    pub min_annual_tax_yuan: f64,
    pub three_tax_rate: f64,
}

/// A fiscal transfer rule: recipients get an amount per resident each year, paid by the
/// donors in proportion to their tax revenue, or from outside the region (the central
/// government) when there are no donors.
#[derive(Clone, Debug, PartialEq)]
pub struct Transfer {
    pub cause: u8,
    /// (city, yuan per resident per year, at the start's productivity if
    /// `grows_with_output`).
    pub to: Vec<(usize, f64)>,
    pub from: Vec<usize>,
    /// Amounts follow the productivity trend (docs/model.md §7.15): a share of a revenue
    /// gap grows as revenue does; a sum in yuan does not.
    pub grows_with_output: bool,
}

/// The mechanisms in force in one step. Per (city, sector) tables are row-major
/// `[city * n_sectors + sector]`; per-city tables are indexed by city.
#[derive(Clone, Debug)]
pub struct Levers {
    pub n_sectors: usize,
    /// Multiplies the yearly move hazard of firms located here.
    pub hazard_multiplier: Vec<f64>,
    /// The policy (index + 1) with the largest push here; 0 for none.
    pub push_cause: Vec<u8>,
    /// Moves pushed here are led by the origin's government (eligible for tax sharing).
    pub directed: Vec<bool>,
    /// Share of pushed firms that, choosing to stay, close instead.
    pub close_share: Vec<f64>,
    /// Subsidy minus extra cost as a fraction of value added, for firms located here.
    pub firm_bonus: Vec<f64>,
    /// Fraction off the land/housing cost firms pay here.
    pub land_discount: Vec<f64>,
    /// Years of tax holiday granted to firms that move or enter here.
    pub tax_holiday_years: Vec<u8>,
    /// No new entry here.
    pub entry_ban: Vec<bool>,
    /// Yearly probability that an eligible firm here is led to move by its government.
    pub directed_hazard: Vec<f64>,
    /// Multiplies the productivity of firms here: their output and tax, their chance of
    /// surviving the year, and the value of the place in location choices.
    pub productivity: Vec<f64>,
    /// Multiplies the chance that an origin government blocks a directed move of a large
    /// taxpayer (interest compensation lowers it).
    pub resistance_multiplier: Vec<f64>,
    /// Added to residents' utility of living here (logit units).
    pub amenity: Vec<f64>,
    /// Public-services level this city is lifted toward (0 = no target).
    pub public_services_target: Vec<f64>,
    /// Multiplies the hukou barrier of living here without its hukou.
    pub hukou_barrier_scale: Vec<f64>,
    /// Multiplies it further for holders of another city's hukou of the region (mutual
    /// recognition within the region); people registered outside it keep the barrier.
    pub regional_barrier_scale: Vec<f64>,
    /// Movers into this city receive its hukou.
    pub hukou_grant: Vec<bool>,
    /// Multiplies the distance cost of migrating into this city.
    pub migration_cost_scale: Vec<f64>,
    /// Multiplies the yearly chance that a resident of this city considers migrating.
    pub migration_rate_multiplier: Vec<f64>,
    /// Multiplies this city's housing capacity (persons).
    pub capacity_multiplier: Vec<f64>,
    /// Ceiling on this city's housing capacity, persons (infinite = none).
    pub capacity_cap: Vec<f64>,
    /// Tax-sharing rules in force.
    pub tax_sharing: Vec<TaxSharing>,
    /// Fiscal transfers in force.
    pub transfers: Vec<Transfer>,
}

impl Levers {
    /// No policy: every mechanism neutral.
    pub fn neutral(n_cities: usize, n_sectors: usize) -> Levers {
        let cs = n_cities * n_sectors;
        Levers {
            n_sectors,
            hazard_multiplier: vec![1.0; cs],
            push_cause: vec![0; cs],
            directed: vec![false; cs],
            close_share: vec![0.0; cs],
            firm_bonus: vec![0.0; cs],
            land_discount: vec![0.0; cs],
            tax_holiday_years: vec![0; cs],
            entry_ban: vec![false; cs],
            directed_hazard: vec![0.0; cs],
            productivity: vec![1.0; cs],
            resistance_multiplier: vec![1.0; n_cities],
            amenity: vec![0.0; n_cities],
            public_services_target: vec![0.0; n_cities],
            hukou_barrier_scale: vec![1.0; n_cities],
            regional_barrier_scale: vec![1.0; n_cities],
            hukou_grant: vec![false; n_cities],
            migration_cost_scale: vec![1.0; n_cities],
            migration_rate_multiplier: vec![1.0; n_cities],
            capacity_multiplier: vec![1.0; n_cities],
            capacity_cap: vec![f64::INFINITY; n_cities],
            tax_sharing: Vec::new(),
            transfers: Vec::new(),
        }
    }

    #[inline]
    pub fn cs(&self, city: usize, sector: usize) -> usize {
        city * self.n_sectors + sector
    }

    /// Housing capacity of city `c` in force, persons, for its capacity `base` in the
    /// region file: scaled by additions, then held under any cap.
    pub fn capacity(&self, c: usize, base: f64) -> f64 {
        (base * self.capacity_multiplier[c]).min(self.capacity_cap[c])
    }

    /// Mechanism: a hazard push. Multipliers multiply; the largest push names the cause.
    pub fn push_hazard(
        &mut self,
        c: usize,
        s: usize,
        multiplier: f64,
        cause: u8,
        directed: bool,
        close_share: f64,
    ) {
        let i = self.cs(c, s);
        if multiplier > 1.0 && (self.push_cause[i] == 0 || multiplier >= self.hazard_multiplier[i])
        {
            self.push_cause[i] = cause;
        }
        self.hazard_multiplier[i] *= multiplier;
        self.directed[i] |= directed;
        self.close_share[i] = self.close_share[i].max(close_share);
    }

    /// Mechanism: a cost (negative) or subsidy (positive) term, fraction of value added.
    pub fn add_firm_bonus(&mut self, c: usize, s: usize, fraction: f64) {
        let i = self.cs(c, s);
        self.firm_bonus[i] += fraction;
    }

    /// Mechanism: a land/housing cost discount for firms.
    pub fn discount_land(&mut self, c: usize, s: usize, fraction: f64) {
        let i = self.cs(c, s);
        self.land_discount[i] = (self.land_discount[i] + fraction).min(0.95);
    }

    /// Mechanism: a fiscal rule granting a tax holiday to arriving firms (longest wins).
    pub fn grant_tax_holiday(&mut self, c: usize, s: usize, years: u8) {
        let i = self.cs(c, s);
        self.tax_holiday_years[i] = self.tax_holiday_years[i].max(years);
    }

    /// Mechanism: an entry ban.
    pub fn ban_entry(&mut self, c: usize, s: usize) {
        let i = self.cs(c, s);
        self.entry_ban[i] = true;
    }

    /// Mechanism: a government-led move hazard for eligible firms (probabilities combine
    /// as independent chances).
    pub fn add_directed_hazard(&mut self, c: usize, s: usize, p: f64) {
        let i = self.cs(c, s);
        self.directed_hazard[i] = 1.0 - (1.0 - self.directed_hazard[i]) * (1.0 - p);
    }

    /// Mechanism: a productivity change for firms (multipliers multiply).
    pub fn scale_productivity(&mut self, c: usize, s: usize, factor: f64) {
        let i = self.cs(c, s);
        self.productivity[i] *= factor;
    }

    /// Mechanism: an amenity change for residents.
    pub fn add_amenity(&mut self, c: usize, utility: f64) {
        self.amenity[c] += utility;
    }

    /// Mechanism: lift public services toward a level (highest target wins).
    pub fn lift_public_services(&mut self, c: usize, target: f64) {
        self.public_services_target[c] = self.public_services_target[c].max(target);
    }

    /// Mechanism: a barrier change (hukou barrier scaled; grant hukou to movers).
    pub fn scale_hukou_barrier(&mut self, c: usize, factor: f64, grant: bool) {
        self.hukou_barrier_scale[c] *= factor;
        self.hukou_grant[c] |= grant;
    }

    /// Mechanism: a barrier change for the region's own migrants: the hukou barrier of
    /// living in `c` for holders of another city's hukou of the region is scaled.
    pub fn ease_regional_hukou(&mut self, c: usize, factor: f64) {
        self.regional_barrier_scale[c] *= factor;
    }

    /// Mechanism: a barrier change for migrants: the distance cost of moving into `c`
    /// and the chance that its residents reconsider where they live (multipliers
    /// multiply).
    pub fn ease_migration(&mut self, c: usize, cost_factor: f64, rate_factor: f64) {
        self.migration_cost_scale[c] *= cost_factor;
        self.migration_rate_multiplier[c] *= rate_factor;
    }

    /// Mechanism: a capacity change, scaling a city's housing capacity.
    pub fn scale_capacity(&mut self, c: usize, factor: f64) {
        self.capacity_multiplier[c] *= factor;
    }

    /// Mechanism: a capacity cap, persons (the lowest cap holds).
    pub fn cap_capacity(&mut self, c: usize, persons: f64) {
        self.capacity_cap[c] = self.capacity_cap[c].min(persons);
    }

    /// Mechanism: a fiscal rule transferring money per resident into cities (rules add).
    pub fn add_transfer(&mut self, transfer: Transfer) {
        if transfer.to.iter().any(|&(_, y)| y > 0.0) {
            self.transfers.push(transfer);
        }
    }
}
