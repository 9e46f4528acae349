//! The parts of a run's Parquet tables that a comparison shows: every indicator by year,
//! every city's population by year, and the moves between cities summed over the run.
//! Held in ordered maps so that nothing about file or hash order reaches the report.

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::{Float64Array, Int32Array, StringArray};

use crate::engine::indicators::{CITY_POPULATION, FLOW_FIRMS, FLOW_PERSONS};
use crate::error::{Error, Result};
use crate::output::read::{batches, column};
use crate::region::RegionSpec;

/// A value by year.
pub type Series = BTreeMap<i32, f64>;

/// Moves from an origin to a destination, summed over every step of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moved {
    pub firms: f64,
    pub persons: f64,
}

/// What a comparison reads from one run directory.
#[derive(Clone, Debug, Default)]
pub struct RunData {
    /// indicator name -> year -> value.
    pub indicators: BTreeMap<String, Series>,
    /// city -> year -> residents.
    pub population: BTreeMap<String, Series>,
    /// (origin, destination) -> moves over the whole run.
    pub flows: BTreeMap<(String, String), Moved>,
    /// SHA-256 of each data file read, by file name, to hold against the manifest.
    pub sha256: BTreeMap<String, String>,
}

impl RunData {
    pub fn read(dir: &Path, region: &RegionSpec) -> Result<RunData> {
        let mut data = RunData {
            indicators: read_series(&dir.join("indicators.parquet"), "indicator", "value")?,
            population: read_series(&dir.join("cities.parquet"), "city", CITY_POPULATION.name)?,
            ..RunData::default()
        };
        data.read_flows(dir)?;
        data.check_cities(dir, region)?;
        for name in ["indicators", "cities", "flows"] {
            let path = dir.join(format!("{name}.parquet"));
            let sum = crate::digest::sha256_file(&path)?;
            data.sha256.insert(format!("{name}.parquet"), sum);
        }
        Ok(data)
    }

    fn read_flows(&mut self, dir: &Path) -> Result<()> {
        for (file, batch) in batches(&dir.join("flows.parquet"))? {
            let origin = column::<StringArray>(&batch, "origin", &file)?;
            let dest = column::<StringArray>(&batch, "destination", &file)?;
            let firms = column::<Float64Array>(&batch, FLOW_FIRMS.name, &file)?;
            let persons = column::<Float64Array>(&batch, FLOW_PERSONS.name, &file)?;
            for i in 0..batch.num_rows() {
                let key = (origin.value(i).to_string(), dest.value(i).to_string());
                let m = self.flows.entry(key).or_default();
                m.firms += firms.value(i);
                m.persons += persons.value(i);
            }
        }
        Ok(())
    }

    /// Every city of the region must have a population series: charts index by name.
    fn check_cities(&self, dir: &Path, region: &RegionSpec) -> Result<()> {
        match region
            .cities
            .iter()
            .find(|c| !self.population.contains_key(&c.name))
        {
            None => Ok(()),
            Some(c) => Err(Error::Read {
                file: dir.join("cities.parquet"),
                message: format!("no rows for {}, a city of the run's region", c.name),
            }),
        }
    }

    /// The indicator's value in `year`, if the run recorded it.
    pub fn indicator(&self, name: &str, year: i32) -> Option<f64> {
        self.indicators.get(name)?.get(&year).copied()
    }
}

/// name -> year -> value from a table's name column and value column.
fn read_series(path: &Path, key: &str, value: &str) -> Result<BTreeMap<String, Series>> {
    let mut out: BTreeMap<String, Series> = BTreeMap::new();
    for (file, batch) in batches(path)? {
        let year = column::<Int32Array>(&batch, "year", &file)?;
        let name = column::<StringArray>(&batch, key, &file)?;
        let v = column::<Float64Array>(&batch, value, &file)?;
        for i in 0..batch.num_rows() {
            out.entry(name.value(i).to_string())
                .or_default()
                .insert(year.value(i), v.value(i));
        }
    }
    Ok(out)
}
