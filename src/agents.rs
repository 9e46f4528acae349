//! Agent state as struct-of-arrays columns, each table declared once.
//!
//! Invariant for both tables: every column has the same length, and an agent's id is its
//! index. Agents are never removed or reordered (an exited firm keeps its row with
//! `alive = false`), so ids stay stable for random streams, events and snapshots.
//! Columns are kept narrow (u8 city codes, f32 where precision allows) so the whole
//! region fits in memory at scale 1: see [`Persons::BYTES_PER_AGENT`].
//!
//! A column used to be listed by hand in the struct, its constructors, the length check,
//! the memory estimate, the checkpoint and the snapshot, and one forgotten in a single
//! place broke resume without a word. Now [`agent_table!`] declares each column once
//! (name, type, fresh value, doc) and generates everything that must name every column:
//! the struct, [`Firms::push_row`] and `with_len`, `columns_agree`, `BYTES_PER_AGENT`,
//! the column names, and the visitors ([`VisitColumns`], [`FillColumns`]) through which
//! checkpoints write and read a table without naming its columns. Columns are private:
//! slices through accessors (`city()`, `city_mut()`) or all at once through the
//! mutable view (`columns_mut()`), so no code outside this file can change a length.

/// No employer.
pub const NO_FIRM: u32 = u32::MAX;

/// The weight of a firm agent that stands for 1 / scale real firms. Firm counts are
/// kept as integer sums of weights, so they are exact and independent of the thread
/// count; [`firm_agents`] turns such a sum back into agents.
pub const FULL_WEIGHT: u32 = 1 << 16;

/// Firm agents (fractional where firms are split) in a sum of weights.
#[inline]
pub fn firm_agents(weights: u64) -> f64 {
    weights as f64 / f64::from(FULL_WEIGHT)
}
/// Hukou registered outside the region.
pub const OUTSIDE: u8 = u8::MAX;
/// The city of a person who no longer lives in the region (died, or left it): the row
/// stays, so ids and random streams stay stable, and a birth or an arrival reuses it.
pub const NOWHERE: u8 = u8::MAX;
/// Not moved yet.
pub const NEVER: u16 = u16::MAX;

/// Skill codes of [`Persons::skill`]; dependents are residents outside the labour force.
pub const LOW: u8 = 0;
pub const HIGH: u8 = 1;
pub const DEPENDENT: u8 = 2;

/// A value one agent holds in one column, and the fixed-width little-endian bytes it is
/// kept as outside memory (checkpoints), so a writer and a reader agree on every column
/// without knowing which it is.
pub trait ColumnValue: Copy + Send + Sync + 'static {
    const WIDTH: usize;
    fn put(self, out: &mut Vec<u8>);
    /// None for bytes that no value is written as.
    fn get(bytes: &[u8]) -> Option<Self>;
}

macro_rules! column_value {
    ($($t:ty),*) => {$(
        impl ColumnValue for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
        }
    )*};
}
column_value!(u8, u16, u32, u64, f32, f64);

impl ColumnValue for bool {
    const WIDTH: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }
}

/// Sees every column of a table, in declaration order (the order of `state.bin`).
pub trait VisitColumns {
    type Error;
    fn column<T: ColumnValue>(
        &mut self,
        name: &'static str,
        values: &[T],
    ) -> Result<(), Self::Error>;
}

/// Replaces every column of a table, in declaration order: for reading a table back.
pub trait FillColumns {
    type Error;
    fn column<T: ColumnValue>(
        &mut self,
        name: &'static str,
        values: &mut Vec<T>,
    ) -> Result<(), Self::Error>;
}

/// Declares an agent table: `name, name_mut: type = fresh value` per column, in the
/// order checkpoints store them (reordering them changes `state.bin`: bump the
/// checkpoint format). Generates the table, its row type (every column of one agent, so
/// a constructor that forgets a column does not compile), its mutable view (every column
/// as a disjoint `&mut` slice, for passes that write several columns in parallel), and
/// the methods that must name every column.
macro_rules! agent_table {
    (
        $(#[$meta:meta])*
        pub struct $table:ident, row $row:ident, view $view:ident, named $name:literal {
            $(
                $(#[$cmeta:meta])*
                $col:ident, $col_mut:ident : $t:ty = $fresh:expr
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        pub struct $table {
            $($(#[$cmeta])* $col: Vec<$t>,)+
        }

        #[doc = concat!("One agent's value in every column of [`", stringify!($table), "`].")]
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $row {
            $($(#[$cmeta])* pub $col: $t,)+
        }

        #[doc = concat!("Every column of [`", stringify!($table), "`] borrowed mutably at \
            once, as slices: lengths cannot change through it.")]
        pub struct $view<'a> {
            $($(#[$cmeta])* pub $col: &'a mut [$t],)+
        }

        impl $table {
            /// The table's name in checkpoints and messages.
            pub const NAME: &'static str = $name;
            /// Column names in declaration order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($col)),+];
            /// Memory an agent takes in the table.
            pub const BYTES_PER_AGENT: usize = 0 $(+ std::mem::size_of::<$t>())+;

            $(
                $(#[$cmeta])*
                #[inline]
                pub fn $col(&self) -> &[$t] {
                    &self.$col
                }

                #[doc = concat!("[`Self::", stringify!($col), "`] to change in place.")]
                #[inline]
                pub fn $col_mut(&mut self) -> &mut [$t] {
                    &mut self.$col
                }
            )+

            pub fn len(&self) -> usize {
                agent_table!(@first self $($col)+).len()
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// `n` agents holding every column's fresh value, to be filled in place.
            pub fn with_len(n: usize) -> $table {
                $table { $($col: vec![$fresh; n],)+ }
            }

            /// Appends an agent and returns its id.
            pub fn push_row(&mut self, row: $row) -> usize {
                let id = self.len();
                $(self.$col.push(row.$col);)+
                debug_assert!(self.columns_agree());
                id
            }

            /// Agent `i`'s value in every column.
            pub fn row(&self, i: usize) -> $row {
                $row { $($col: self.$col[i],)+ }
            }

            pub fn columns_mut(&mut self) -> $view<'_> {
                $view { $($col: &mut self.$col,)+ }
            }

            pub fn columns_agree(&self) -> bool {
                let n = self.len();
                true $(&& self.$col.len() == n)+
            }

            /// Shows `v` every column in declaration order.
            pub fn visit<V: VisitColumns>(&self, v: &mut V) -> Result<(), V::Error> {
                $(v.column(stringify!($col), &self.$col)?;)+
                Ok(())
            }

            /// Lets `f` replace every column in declaration order. On an error the table
            /// is left empty (and consistent). Panics if `f` left columns of different
            /// lengths: a filler must check lengths as it reads (a bug, not bad data).
            pub fn fill<F: FillColumns>(&mut self, f: &mut F) -> Result<(), F::Error> {
                let filled: Result<(), F::Error> = (|| {
                    $(f.column(stringify!($col), &mut self.$col)?;)+
                    Ok(())
                })();
                if filled.is_err() {
                    *self = $table::default();
                }
                assert!(self.columns_agree(), "a filler left {} columns of different lengths", $name);
                filled
            }
        }
    };
    (@first $s:ident $first:ident $($rest:ident)*) => {
        $s.$first
    };
}

agent_table! {
    /// Firms, one row for every firm that ever existed in the run.
    pub struct Firms, row FirmRow, view FirmsMut, named "firms" {
        /// The key of this firm's random streams: its id for firms of the initial state,
        /// (step, sector, rank) of entry for entrants. Two scenarios with the same seed thus
        /// give the same draws to "the same" entrant even when other entries shifted ids.
        rng_key, rng_key_mut: u64 = 0,
        sector, sector_mut: u8 = 0,
        city, city_mut: u8 = 0,
        alive, alive_mut: bool = true,
        /// Employees the firm wants; it hires and sheds towards this.
        target, target_mut: u32 = 0,
        /// Persons whose employer is this firm (kept in step with `Persons::employer`).
        employees, employees_mut: u32 = 0,
        productivity, productivity_mut: f32 = 1.0,
        /// Years since entry.
        age, age_mut: u16 = 0,
        /// Where the firm was before its last move (its own city if it never moved).
        origin, origin_mut: u8 = 0,
        /// Step of the last move, or [`NEVER`].
        moved_step, moved_step_mut: u16 = NEVER,
        /// Tax-holiday years left.
        holiday_left, holiday_left_mut: u8 = 0,
        /// City receiving a share of this firm's tax, or [`OUTSIDE`] for none.
        share_to, share_to_mut: u8 = OUTSIDE,
        /// Sharing years left in the current term.
        share_years_left, share_years_left_mut: u8 = 0,
        /// Sharing extension years still available.
        share_extension_left, share_extension_left_mut: u8 = 0,
        share_fraction, share_fraction_mut: f32 = 0.0,
        /// Tax (yuan) the origin may still receive before the cap is reached.
        share_cap_left, share_cap_left_mut: f32 = 0.0,
        /// The share of one agent's worth of real firms (1 / scale of them) this agent
        /// stands for, in units of [`FULL_WEIGHT`]: a firm too large for one agent is
        /// split into pieces that share its weight (docs/model.md §5.2).
        weight, weight_mut: u32 = FULL_WEIGHT,
    }
}

impl Firms {
    /// Appends a firm that has just entered (or exists at the start) and returns its id:
    /// alive, without employees, never moved, without holiday or tax sharing.
    pub fn push(
        &mut self,
        rng_key: u64,
        sector: u8,
        city: u8,
        target: u32,
        productivity: f32,
        age: u16,
    ) -> u32 {
        self.push_row(FirmRow {
            rng_key,
            sector,
            city,
            alive: true,
            target,
            employees: 0,
            productivity,
            age,
            origin: city,
            moved_step: NEVER,
            holiday_left: 0,
            share_to: OUTSIDE,
            share_years_left: 0,
            share_extension_left: 0,
            share_fraction: 0.0,
            share_cap_left: 0.0,
            weight: FULL_WEIGHT,
        }) as u32
    }
}

agent_table! {
    /// Persons: residents of the region, in the labour force or dependents.
    pub struct Persons, row PersonRow, view PersonsMut, named "persons" {
        /// City of residence.
        city, city_mut: u8 = 0,
        /// Registration city, or [`OUTSIDE`].
        hukou, hukou_mut: u8 = 0,
        /// [`LOW`], [`HIGH`] or [`DEPENDENT`].
        skill, skill_mut: u8 = 0,
        /// Employer firm id, or [`NO_FIRM`].
        employer, employer_mut: u32 = NO_FIRM,
        /// City of the job (differs from `city` for commuters); equals `city` without a job.
        work_city, work_city_mut: u8 = 0,
    }
}

impl Persons {
    /// Appends a person without a job, living and registered as given.
    pub fn push(&mut self, city: u8, hukou: u8, skill: u8) {
        self.push_row(PersonRow {
            city,
            hukou,
            skill,
            employer: NO_FIRM,
            work_city: city,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Column names and widths, as a visitor sees them.
    struct Names(Vec<(&'static str, usize)>);

    impl VisitColumns for Names {
        type Error = std::convert::Infallible;
        fn column<T: ColumnValue>(
            &mut self,
            name: &'static str,
            _: &[T],
        ) -> Result<(), Self::Error> {
            self.0.push((name, T::WIDTH));
            Ok(())
        }
    }

    fn names(visit: impl FnOnce(&mut Names)) -> Names {
        let mut n = Names(Vec::new());
        visit(&mut n);
        n
    }

    #[test]
    fn the_visitor_the_names_and_the_memory_estimate_cover_the_same_columns() {
        let f = names(|n| Firms::default().visit(n).unwrap());
        let p = names(|n| Persons::default().visit(n).unwrap());
        let listed = |n: &Names| n.0.iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(listed(&f), Firms::COLUMNS);
        assert_eq!(listed(&p), Persons::COLUMNS);
        let width = |n: &Names| n.0.iter().map(|c| c.1).sum::<usize>();
        assert_eq!(width(&f), Firms::BYTES_PER_AGENT);
        assert_eq!(width(&p), Persons::BYTES_PER_AGENT);
        assert_eq!((Firms::BYTES_PER_AGENT, Persons::BYTES_PER_AGENT), (44, 8));
    }

    #[test]
    fn push_gives_a_fresh_firm_and_a_person_without_a_job() {
        let mut f = Firms::default();
        assert_eq!(f.push(7, 1, 2, 30, 1.5, 4), 0);
        let row = f.row(0);
        assert_eq!(
            (row.origin, row.moved_step, row.share_to),
            (2, NEVER, OUTSIDE)
        );
        assert!(row.alive && row.employees == 0);
        let mut p = Persons::with_len(2);
        p.push(3, OUTSIDE, HIGH);
        assert_eq!(p.len(), 3);
        assert_eq!(p.employer(), [NO_FIRM; 3]);
        assert_eq!(p.work_city()[2], 3);
        assert!(p.columns_agree() && f.columns_agree());
    }

    /// Replaces every column with `n` fresh values, except the one named `short` (one
    /// fewer), and fails at the one named `fail`.
    struct Refill {
        n: usize,
        short: &'static str,
        fail: &'static str,
    }

    impl FillColumns for Refill {
        type Error = &'static str;
        fn column<T: ColumnValue>(
            &mut self,
            name: &'static str,
            v: &mut Vec<T>,
        ) -> Result<(), &'static str> {
            if name == self.fail {
                return Err(name);
            }
            let fresh = T::get(&vec![0; T::WIDTH]).expect("zero bytes are a value");
            let n = self.n - usize::from(name == self.short);
            *v = vec![fresh; n];
            Ok(())
        }
    }

    #[test]
    fn a_fill_that_fails_leaves_an_empty_table() {
        let mut p = Persons::with_len(4);
        let mut all = Refill {
            n: 6,
            short: "",
            fail: "",
        };
        p.fill(&mut all).unwrap();
        assert_eq!(p.len(), 6);
        let mut failing = Refill {
            n: 6,
            short: "",
            fail: "skill",
        };
        assert_eq!(p.fill(&mut failing), Err("skill"));
        assert!(p.is_empty() && p.columns_agree());
    }

    #[test]
    #[should_panic(expected = "a filler left persons columns of different lengths")]
    fn a_fill_that_leaves_lengths_apart_is_a_bug() {
        let mut short = Refill {
            n: 6,
            short: "skill",
            fail: "",
        };
        let _ = Persons::default().fill(&mut short);
    }

    #[test]
    fn values_round_trip_through_their_bytes() {
        let mut b = Vec::new();
        (-1.5f32).put(&mut b);
        true.put(&mut b);
        0xABCDu16.put(&mut b);
        assert_eq!(f32::get(&b[..4]), Some(-1.5));
        assert_eq!(bool::get(&b[4..5]), Some(true));
        assert_eq!(u16::get(&b[5..]), Some(0xABCD));
        assert_eq!(bool::get(&[2]), None);
    }
}
