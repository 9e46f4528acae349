//! Dependents (residents outside the labour force) move with the labour-force movers of
//! their city, so households move together without the model storing household links.

/// Where a dependent of city o moves, given a uniform draw `u`: city d with probability
///
/// ```text
/// movers(o → d) / labour_force(o)
/// ```
///
/// and nowhere (None) with the rest, `movers` being this step's labour-force movers
/// from o by destination (migrants and firm followers). The draw walks u · labour_force
/// down the destinations.
#[inline]
pub(crate) fn dependent_destination(u: f64, movers: &[f64], labour_force: f64) -> Option<usize> {
    let mut u = u * labour_force;
    for (d, &w) in movers.iter().enumerate() {
        if u < w {
            return Some(d);
        }
        u -= w;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::tiny::{CAPITAL, INLAND, PORT};

    /// Of the capital's labour force of 100, 10 went to the port and 30 inland.
    #[test]
    fn dependents_follow_in_the_proportions_of_movers() {
        let mut movers = [0.0; 3];
        (movers[PORT], movers[INLAND]) = (10.0, 30.0);
        let go = |u| dependent_destination(u, &movers, 100.0);
        assert_eq!(go(0.05), Some(PORT));
        assert_eq!(go(0.2), Some(INLAND));
        assert_eq!(go(0.5), None);
        let n = 10_000;
        let stay = (0..n)
            .filter(|&i| go((i as f64 + 0.5) / n as f64).is_none())
            .count();
        assert_eq!(stay, 6_000);
        assert_eq!(dependent_destination(0.0, &[0.0; 3], 100.0), None);
        assert_ne!(go(0.0), Some(CAPITAL));
    }
}
