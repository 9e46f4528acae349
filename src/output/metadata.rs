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

/// The unit (None where the column has none: names, flags, ids) and description of
/// each column that is not a catalogue value, by table and name.
fn column_doc(table: &str, name: &str) -> Option<(Option<&'static str>, &'static str)> {
    let doc = match (table, name) {
        (_, "step") => (
            None,
            "step number: 0 is the state at the start year, then one a year",
        ),
        (_, "year") => (None, "calendar year of the step"),
        ("flows", "origin") => (None, "city moved from"),
        ("flows", "destination") => (None, "city moved to"),
        ("flows", "sector") => (
            None,
            "sector of the moved firm; null for persons who moved on their own",
        ),
        ("events", "origin") => (
            None,
            "city before (null for an entry; the parent's city for a branch)",
        ),
        ("events", "destination") => (None, "city after (null for an exit)"),
        ("firms", "origin") => (None, "city before the firm's last move, or its own city"),
        ("persons", "city") => (
            None,
            "city of residence; null once no longer in the region (died or left)",
        ),
        (_, "city") => (None, "city name"),
        (_, "sector") => (None, "sector name"),
        (_, "indicator") => (
            None,
            "indicator name; the schema metadata relocsim:indicators gives its unit",
        ),
        (_, "firm_id") => (None, "stable firm id (its row in firms.parquet)"),
        (_, "person_id") => (None, "person agent id (its row in persons.parquet)"),
        (_, "employees") => (
            Some("employee agents"),
            "employee agents of the firm agent (real jobs: the jobs column, or employees / scale)",
        ),
        ("events", "jobs") => (
            Some("jobs"),
            "real jobs the row stands for: employees divided by the run's scale",
        ),
        (_, "firms") => (
            Some("firms"),
            "real firms the row stands for (1 / scale for a whole firm agent, less for a piece \
             of a split firm); sum it rather than counting rows",
        ),
        (_, "event") => (None, "move, entry, exit or branch"),
        (_, "cause") => (None, "market, or the policy kind that pushed the firm"),
        (_, "directed") => (None, "the move was led by the origin's government"),
        (_, "alive") => (None, "the firm agent is in business"),
        (_, "target_size") => (Some("employee agents"), "employees the firm wants"),
        (_, "productivity") => (Some("index"), "the firm's productivity"),
        (_, "age") => (Some("years"), "years since the firm's entry"),
        (_, "tax_holiday_left") => (Some("years"), "years of tax holiday left"),
        (_, "tax_shared_with") => (None, "the origin receiving a share of the firm's tax"),
        (_, "hukou_city") => (
            None,
            "city of household registration; null outside the region",
        ),
        (_, "skill") => (None, "low, high or dependent"),
        (_, "employer") => (None, "firm_id of the employer; null when not employed"),
        (_, "work_city") => (None, "city of work; null when not employed"),
        _ => return None,
    };
    Some(doc)
}

/// `schema` of table `table` with a description (and unit, where it has one) on every
/// column that has none yet; the catalogue's value columns keep theirs.
pub fn documented(table: &str, schema: &arrow_schema::Schema) -> arrow_schema::Schema {
    let fields: Vec<Field> = (schema.fields().iter())
        .map(|f| {
            let doc = column_doc(table, f.name());
            match doc {
                Some((unit, description)) if !f.metadata().contains_key(DESCRIPTION) => {
                    let mut md = f.metadata().clone();
                    md.insert(DESCRIPTION.to_string(), description.to_string());
                    if let Some(u) = unit {
                        md.insert(UNIT.to_string(), u.to_string());
                    }
                    f.as_ref().clone().with_metadata(md)
                }
                _ => f.as_ref().clone(),
            }
        })
        .collect();
    arrow_schema::Schema::new(fields).with_metadata(schema.metadata().clone())
}
