//! Units and descriptions that travel inside the Parquet files, from the indicator
//! catalogue, so that a reader of a lone file need not look them up.
//!
//! Both go where Arrow keeps metadata: on each value field ("unit", "description") and,
//! for indicators.parquet, whose `value` column mixes units, on the schema (a JSON list
//! under [`INDICATORS_KEY`]). The Parquet writer stores the Arrow schema, with both, in
//! the footer's `ARROW:schema` entry, and pyarrow, polars and arrow-rs restore them on
//! reading. Only catalogue text and the region's place names go in: no time, host or
//! thread count, so equal rows still give equal bytes.

use arrow_schema::{DataType, Field};
use serde::Serialize;

use crate::engine::indicators::{self, Column, Places};

/// Field metadata key of a value column's unit.
pub const UNIT: &str = "unit";
/// Field metadata key of a column's one-line description.
pub const DESCRIPTION: &str = "description";
/// Schema metadata key of indicators.parquet: every indicator the run records, with
/// name, label, unit and description, as a JSON array in record order.
pub const INDICATORS_KEY: &str = "relocsim:indicators";

/// A non-null float64 value column carrying its unit and description.
pub fn value_field<R>(column: &Column<R>) -> Field {
    let metadata = [
        (UNIT, column.unit.name()),
        (DESCRIPTION, column.description),
    ];
    Field::new(column.name, DataType::Float64, false).with_metadata(metadata)
}

/// `field` with a description and no unit (a column whose rows differ in unit).
pub fn described(field: Field, description: &str) -> Field {
    field.with_metadata([(DESCRIPTION, description)])
}

#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    label: &'a str,
    unit: &'static str,
    description: &'a str,
}

/// The schema metadata entry of indicators.parquet for a region with `places`.
pub fn indicator_listing(places: &Places) -> (String, String) {
    let named = indicators::recorded(places);
    let listed: Vec<Listed> = named
        .iter()
        .map(|n| Listed {
            name: &n.name,
            label: &n.label,
            unit: n.unit.name(),
            description: &n.description,
        })
        .collect();
    let json = serde_json::to_string(&listed).expect("strings always serialise");
    (INDICATORS_KEY.to_string(), json)
}
