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

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// "did you mean `x`? valid keys: ..." for an unknown name.
pub fn suggest<'a>(name: &str, valid: impl IntoIterator<Item = &'a str>) -> String {
    let valid: Vec<&str> = valid.into_iter().collect();
    let best = valid
        .iter()
        .map(|v| (distance(name, v), *v))
        .min()
        .filter(|(d, v)| *d <= (v.len() / 3).max(2));
    let list = valid.join(", ");
    match best {
        Some((_, v)) => format!("did you mean `{v}`? valid: {list}"),
        None => format!("valid: {list}"),
    }
}
