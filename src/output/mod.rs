//! A run's files: the Parquet sink (an [`crate::engine::Sink`] writing the run
//! directory's tables) and the manifest, and how numbers are shown to people.

pub mod manifest;
pub mod metadata;
mod parquet;

pub use manifest::{FileEntry, Manifest, RunStatus};
pub use parquet::{ParquetSink, SCHEMA_DOC, open_writer};

/// A number for people: thousands-separated whole numbers from 1,000 up, four decimals
/// below (negative zero shown as zero), the same on every machine.
pub fn human(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let v = if v == 0.0 { 0.0 } else { v };
    if v.abs() < 1000.0 {
        return format!("{v:.4}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if v < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn numbers_have_one_format() {
        assert_eq!(human(-0.0), "0.0000");
        assert_eq!(human(0.12345), "0.1235");
        assert_eq!(human(-1234567.4), "-1,234,567");
        assert_eq!(human(999.5), "999.5000");
    }
}
