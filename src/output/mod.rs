//! A run's files: the Parquet sink (an [`crate::engine::Sink`] writing the run
//! directory's tables) and the manifest, and how numbers are shown to people.

pub mod manifest;
pub mod metadata;
mod parquet;
pub mod read;
mod schema;

pub use manifest::{FileEntry, Manifest, RunStatus};
pub use parquet::{ParquetSink, open_writer};
pub use schema::{SCHEMA_DOC, catalogue_blocks, schema_doc};

use crate::engine::indicators::Unit;

/// A value for people in its unit: counts of persons, firms and jobs as whole numbers
/// (agents divided by the scale make them fractional), other values as [`human`] does.
pub fn human_in(v: f64, unit: Unit) -> String {
    if unit.is_count() && v.abs() < 1000.0 {
        let r = v.round();
        return format!("{:.0}", if r == 0.0 { 0.0 } else { r });
    }
    human(v)
}

/// A number for people: thousands-separated whole numbers from 1,000 up, four decimals
/// below (negative zero shown as zero), the same on every machine.
/// One record batch as the bytes of a Parquet file (a small table written whole: a
/// calibration's posterior, a sensitivity study's indices); `file` names it in errors.
pub fn parquet_bytes(file: &str, batch: &arrow_array::RecordBatch) -> crate::Result<Vec<u8>> {
    let fail = |e: String| crate::Error::Output {
        file: file.into(),
        message: e,
    };
    let mut bytes = Vec::new();
    let mut w = ::parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None)
        .map_err(|e| fail(e.to_string()))?;
    w.write(batch).map_err(|e| fail(e.to_string()))?;
    w.close().map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

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
    use super::{Unit, human, human_in};

    #[test]
    fn numbers_have_one_format() {
        assert_eq!(human(-0.0), "0.0000");
        assert_eq!(human(0.12345), "0.1235");
        assert_eq!(human(-1234567.4), "-1,234,567");
        assert_eq!(human(999.5), "999.5000");
    }

    #[test]
    fn counts_are_whole() {
        assert_eq!(human_in(-0.3, Unit::Persons), "0");
        assert_eq!(human_in(523.7, Unit::Firms), "524");
        assert_eq!(human_in(1234.4, Unit::Firms), "1,234");
        assert_eq!(human_in(0.04123, Unit::Share), "0.0412");
    }
}
