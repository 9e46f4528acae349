//! Agent state as struct-of-arrays columns.
//!
//! Invariant for both tables: every column has the same length, and an agent's id is its
//! index. Agents are never removed or reordered (an exited firm keeps its row with
//! `alive = false`), so ids stay stable for random streams, events and snapshots.
//! Columns are kept narrow (u8 city codes, f32 where precision allows) so the whole
//! region fits in memory at scale 1: see [`Persons::BYTES_PER_AGENT`].

/// No employer.
pub const NO_FIRM: u32 = u32::MAX;
/// Hukou registered outside the region.
pub const OUTSIDE: u8 = u8::MAX;
/// Not moved yet.
pub const NEVER: u16 = u16::MAX;

/// Skill codes of [`Persons::skill`]; dependents are residents outside the labour force.
pub const LOW: u8 = 0;
pub const HIGH: u8 = 1;
pub const DEPENDENT: u8 = 2;

#[derive(Clone, Debug, Default)]
pub struct Firms {
    /// The key of this firm's random streams: its id for firms of the initial state,
    /// (step, sector, rank) of entry for entrants. Two scenarios with the same seed thus
    /// give the same draws to "the same" entrant even when other entries shifted ids.
    pub rng_key: Vec<u64>,
    pub sector: Vec<u8>,
    pub city: Vec<u8>,
    pub alive: Vec<bool>,
    /// Employees the firm wants; it hires and sheds towards this.
    pub target: Vec<u32>,
    /// Persons whose employer is this firm (kept in step with `Persons::employer`).
    pub employees: Vec<u32>,
    pub productivity: Vec<f32>,
    /// Years since entry.
    pub age: Vec<u16>,
    /// Where the firm was before its last move (its own city if it never moved).
    pub origin: Vec<u8>,
    /// Step of the last move, or [`NEVER`].
    pub moved_step: Vec<u16>,
    /// Tax-holiday years left.
    pub holiday_left: Vec<u8>,
    /// City receiving a share of this firm's tax, or [`OUTSIDE`] for none.
    pub share_to: Vec<u8>,
    /// Sharing years left in the current term, and extension years still available.
    pub share_years_left: Vec<u8>,
    pub share_extension_left: Vec<u8>,
    pub share_fraction: Vec<f32>,
    /// Tax (yuan) the origin may still receive before the cap is reached.
    pub share_cap_left: Vec<f32>,
}

impl Firms {
    pub const BYTES_PER_AGENT: usize =
        8 + 1 + 1 + 1 + 4 + 4 + 4 + 2 + 1 + 2 + 1 + 1 + 1 + 1 + 4 + 4;

    pub fn len(&self) -> usize {
        self.sector.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sector.is_empty()
    }

    /// Appends a firm that has just entered (or exists at the start) and returns its id.
    pub fn push(
        &mut self,
        rng_key: u64,
        sector: u8,
        city: u8,
        target: u32,
        productivity: f32,
        age: u16,
    ) -> u32 {
        let id = self.len() as u32;
        self.rng_key.push(rng_key);
        self.sector.push(sector);
        self.city.push(city);
        self.alive.push(true);
        self.target.push(target);
        self.employees.push(0);
        self.productivity.push(productivity);
        self.age.push(age);
        self.origin.push(city);
        self.moved_step.push(NEVER);
        self.holiday_left.push(0);
        self.share_to.push(OUTSIDE);
        self.share_years_left.push(0);
        self.share_extension_left.push(0);
        self.share_fraction.push(0.0);
        self.share_cap_left.push(0.0);
        debug_assert!(self.columns_agree());
        id
    }

    pub fn columns_agree(&self) -> bool {
        let n = self.len();
        [
            self.rng_key.len(),
            self.city.len(),
            self.alive.len(),
            self.target.len(),
            self.employees.len(),
            self.productivity.len(),
            self.age.len(),
            self.origin.len(),
            self.moved_step.len(),
            self.holiday_left.len(),
            self.share_to.len(),
            self.share_years_left.len(),
            self.share_extension_left.len(),
            self.share_fraction.len(),
            self.share_cap_left.len(),
        ]
        .iter()
        .all(|&l| l == n)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Persons {
    /// City of residence.
    pub city: Vec<u8>,
    /// Registration city, or [`OUTSIDE`].
    pub hukou: Vec<u8>,
    /// [`LOW`], [`HIGH`] or [`DEPENDENT`].
    pub skill: Vec<u8>,
    /// Employer firm id, or [`NO_FIRM`].
    pub employer: Vec<u32>,
    /// City of the job (differs from `city` for commuters); equals `city` without a job.
    pub work_city: Vec<u8>,
}

impl Persons {
    pub const BYTES_PER_AGENT: usize = 1 + 1 + 1 + 4 + 1;

    pub fn len(&self) -> usize {
        self.city.len()
    }

    pub fn is_empty(&self) -> bool {
        self.city.is_empty()
    }

    /// `n` persons with every column zeroed and no employer, to be filled in place.
    pub fn with_len(n: usize) -> Persons {
        Persons {
            city: vec![0; n],
            hukou: vec![0; n],
            skill: vec![0; n],
            employer: vec![NO_FIRM; n],
            work_city: vec![0; n],
        }
    }

    pub fn push(&mut self, city: u8, hukou: u8, skill: u8) {
        self.city.push(city);
        self.hukou.push(hukou);
        self.skill.push(skill);
        self.employer.push(NO_FIRM);
        self.work_city.push(city);
    }

    pub fn columns_agree(&self) -> bool {
        let n = self.len();
        [
            self.hukou.len(),
            self.skill.len(),
            self.employer.len(),
            self.work_city.len(),
        ]
        .iter()
        .all(|&l| l == n)
    }
}
