//! Housing capacity: arrivals beyond a city's capacity are refused by lottery, and room is
//! counted in households, since dependents follow the labour-force movers of their city.

/// Persons a labour-force mover from a city brings on average, itself included:
/// population / max(labour force, 1).
#[inline]
pub(crate) fn household_size(population: u64, labour_force: u64) -> f64 {
    population as f64 / labour_force.max(1) as f64
}

/// Room a city has for arrivals, agents: floor(capacity · scale) − residents, with
/// capacity (real persons) as any policy changed it and residents as expected.
#[inline]
pub(crate) fn housing_room(capacity: f64, scale: f64, residents: f64) -> f64 {
    (capacity * scale).floor() - residents
}

/// How many arrivals, in lottery order with their household `sizes`, are admitted: the
/// longest run from the first whose households together fit in `room`.
pub(crate) fn admitted(sizes: impl IntoIterator<Item = f64>, room: f64) -> usize {
    let mut used = 0.0;
    sizes
        .into_iter()
        .take_while(|&size| {
            used += size;
            used <= room
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::tiny::{self, CAPITAL, PORT};

    #[test]
    fn households_are_residents_per_worker() {
        assert_eq!(household_size(200, 100), 2.0);
        assert_eq!(household_size(3, 0), 3.0);
    }

    /// The port has room for 12 agents at scale 0.001 with 1188 residents; three
    /// households of 5 arrive and two fit.
    #[test]
    fn arrivals_are_admitted_while_their_households_fit() {
        let r = tiny::region();
        let capacity = r.city(PORT).capacity as f64;
        let room = housing_room(capacity, 0.001, 1188.0);
        assert_eq!(room, 12.0);
        assert_eq!(admitted([5.0, 5.0, 5.0], room), 2);
        assert_eq!(admitted([5.0, 5.0, 2.0], room), 3);
        assert_eq!(admitted([20.0, 1.0], room), 0, "no one jumps the queue");
        let full = housing_room(r.city(CAPITAL).capacity as f64, 0.001, 1300.0);
        assert_eq!(admitted([1.0], full), 0);
    }
}
