//! Reading back the Parquet tables relocsim wrote: every record batch of a file, and a
//! column by name and Arrow type, with errors that name the file. Shared by the report
//! and the sweep's posterior, which read runs' and calibrations' tables.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{Error, Result};

fn read_err(file: &Path, e: impl std::fmt::Display) -> Error {
    Error::Read {
        file: file.to_path_buf(),
        message: e.to_string(),
    }
}

/// Every record batch of a Parquet file, each with the file's path for messages.
pub fn batches(path: &Path) -> Result<Vec<(PathBuf, RecordBatch)>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| read_err(path, e))?;
    reader
        .map(|b| {
            b.map(|b| (path.to_path_buf(), b))
                .map_err(|e| read_err(path, e))
        })
        .collect()
}

/// A column of the expected Arrow type, without nulls where the schema has none.
pub fn column<'a, T: Array + 'static>(
    batch: &'a RecordBatch,
    name: &str,
    file: &Path,
) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| {
            read_err(
                file,
                format!(
                    "no column {name:?} of type {}",
                    std::any::type_name::<T>().rsplit("::").next().unwrap_or("")
                ),
            )
        })
}
