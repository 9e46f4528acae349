//! The wording of messages about values, shared by every layer that checks one (policy
//! parameters, scenarios, regions, sweeps), so a range reads the same wherever it is
//! refused.

/// `KEY = VALUE: out of range; valid: MIN to MAX`, the one wording for every range.
pub fn out_of_range(
    key: &str,
    value: impl std::fmt::Display,
    min: impl std::fmt::Display,
    max: impl std::fmt::Display,
) -> String {
    format!("{key} = {value}: out of range; valid: {min} to {max}")
}

/// A number as a user would write it: `1e-12` and `1e300` rather than all their zeros.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a.is_finite() && a != 0.0 && !(1e-5..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}
