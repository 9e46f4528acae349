//! The run directory's data files: one Parquet file per table, one row group per step,
//! written as the run goes so memory does not grow with the number of steps. Nothing
//! that varies between machines or runs (times, host, threads) goes into these files.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, UInt32Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::metadata::{described, indicator_listing, value_field};
use crate::agents::{DEPENDENT, Firms, HIGH, NO_FIRM, OUTSIDE, Persons, firm_agents};
use crate::engine::indicators::{self, Column, Places};
use crate::engine::record::StepFrame;
use crate::engine::{RunInfo, Sink, StepView};
use crate::error::{Error, Result};

struct Table {
    name: &'static str,
    path: PathBuf,
    schema: SchemaRef,
    writer: Option<ArrowWriter<File>>,
    /// In memory (no directory): the row groups as they would be written.
    kept: Option<Vec<RecordBatch>>,
    rows: u64,
}

impl Table {
    /// A table written into `dir`, or kept in memory where there is none.
    fn create(dir: Option<&Path>, name: &'static str, fields: Vec<Field>) -> Result<Table> {
        Table::with_schema(dir, name, Arc::new(Schema::new(fields)))
    }

    /// A table whose schema carries metadata of its own (kept across checkpoints).
    fn with_schema(dir: Option<&Path>, name: &'static str, schema: SchemaRef) -> Result<Table> {
        let schema = Arc::new(super::metadata::documented(name, &schema));
        let file = format!("{name}.parquet");
        let (path, writer, kept) = match dir {
            Some(d) => {
                let path = d.join(file);
                let writer = open_writer(&path, schema.clone())?;
                (path, Some(writer), None)
            }
            None => (PathBuf::from(file), None, Some(Vec::new())),
        };
        Ok(Table {
            name,
            path,
            schema,
            writer,
            kept,
            rows: 0,
        })
    }

    /// Writes one step's rows as one row group (a step with no rows adds none).
    fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| out_err(self.name, e))?;
        self.write_group(&[batch])
    }

    /// Writes batches as one row group.
    fn write_group(&mut self, batches: &[RecordBatch]) -> Result<()> {
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if rows == 0 {
            return Ok(());
        }
        self.rows += rows as u64;
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(batches);
            return Ok(());
        }
        let w = self.writer.as_mut().expect("table is open until finish");
        for b in batches {
            w.write(b).map_err(|e| out_err(self.name, e))?;
        }
        w.flush().map_err(|e| out_err(self.name, e))
    }

    /// Copies every row group of an earlier file of this table, group for group, so the
    /// bytes come out as they were first written.
    fn copy_from(&mut self, path: &Path) -> Result<()> {
        let open = || File::open(path).map_err(|e| Error::io(path, e));
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(open()?).map_err(|e| out_err(self.name, e))?;
        let groups: Vec<usize> = builder
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows() as usize)
            .collect();
        for (g, rows) in groups.into_iter().enumerate() {
            let reader = ParquetRecordBatchReaderBuilder::try_new(open()?)
                .and_then(|b| {
                    b.with_row_groups(vec![g])
                        .with_batch_size(rows.max(1))
                        .build()
                })
                .map_err(|e| out_err(self.name, e))?;
            let batches = reader
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| out_err(self.name, e))?;
            self.write_group(&batches)?;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.close().map_err(|e| out_err(self.name, e))?;
        }
        Ok(())
    }
}

/// A Parquet writer with the settings of every relocsim file: Snappy, one row group per
/// flush, and no time or host in the metadata, so the same rows give the same bytes.
pub fn open_writer(path: &Path, schema: SchemaRef) -> Result<ArrowWriter<File>> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(None)
        .set_max_row_group_bytes(None)
        .set_created_by(format!("relocsim {}", env!("CARGO_PKG_VERSION")))
        .build();
    ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| out_err(&name, e))
}

fn out_err(name: &str, e: impl std::fmt::Display) -> Error {
    Error::Output {
        file: format!("{name}.parquet"),
        message: e.to_string(),
    }
}

fn f(name: &str, t: DataType) -> Field {
    Field::new(name, t, false)
}

fn nullable(name: &str, t: DataType) -> Field {
    Field::new(name, t, true)
}

fn key_fields() -> Vec<Field> {
    vec![f("step", DataType::Int32), f("year", DataType::Int32)]
}

fn with_key(mut v: Vec<Field>) -> Vec<Field> {
    let mut k = key_fields();
    k.append(&mut v);
    k
}

/// The tables every run writes: cities, city_sectors, flows, indicators and events. Value
/// columns carry their unit and description; indicators.parquet lists its indicators.
fn data_tables(dir: Option<&Path>, places: &Places) -> Result<Vec<Table>> {
    use DataType::*;
    let keyed =
        |keys: Vec<Field>, columns: Vec<Field>| with_key(keys.into_iter().chain(columns).collect());
    let value = Field::new("value", Float64, false);
    let value = described(
        value,
        "the indicator's value, in the unit its listing gives",
    );
    let listing = indicator_listing(places);
    let indicators =
        Schema::new(with_key(vec![f("indicator", Utf8), value])).with_metadata([listing]);
    let cities = indicators::CITY.iter().map(value_field).collect();
    let city_sectors = indicators::CITY_SECTOR.iter().map(value_field).collect();
    let flows = indicators::FLOW.iter().map(value_field).collect();
    let flow_keys = vec![
        f("origin", Utf8),
        f("destination", Utf8),
        nullable("sector", Utf8),
    ];
    Ok(vec![
        Table::create(dir, "cities", keyed(vec![f("city", Utf8)], cities))?,
        Table::create(
            dir,
            "city_sectors",
            keyed(vec![f("city", Utf8), f("sector", Utf8)], city_sectors),
        )?,
        Table::create(dir, "flows", keyed(flow_keys, flows))?,
        Table::with_schema(dir, "indicators", Arc::new(indicators))?,
        Table::create(dir, "events", with_key(event_fields()))?,
    ])
}

fn event_fields() -> Vec<Field> {
    use DataType::*;
    vec![
        f("firm_id", UInt32),
        f("sector", Utf8),
        f("employees", Int64),
        f("jobs", Float64),
        f("firms", Float64),
        nullable("origin", Utf8),
        nullable("destination", Utf8),
        f("event", Utf8),
        f("cause", Utf8),
        f("directed", Boolean),
    ]
}

/// Writes cities, city_sectors, flows, indicators and events, and optional snapshots.
pub struct ParquetSink {
    /// None: the tables are kept in memory.
    dir: Option<PathBuf>,
    snapshot_every: Option<u32>,
    tables: Vec<Table>,
    /// Names and scale of the run, from `begin`.
    run: Names,
}

/// What the tables name by code: cities, sectors, policies; and the scale counts are
/// divided by.
#[derive(Default)]
struct Names {
    cities: Vec<String>,
    sectors: Vec<String>,
    policies: Vec<&'static str>,
    scale: f64,
}

/// A data file written by the sink, for the manifest.
pub struct Written {
    pub name: String,
    pub path: PathBuf,
    pub rows: u64,
}

impl ParquetSink {
    pub fn new(dir: &Path, snapshot_every: Option<u32>) -> ParquetSink {
        ParquetSink {
            dir: Some(dir.to_path_buf()),
            snapshot_every,
            tables: Vec::new(),
            run: Names::default(),
        }
    }

    /// A sink that keeps every table in memory as the record batches it would write,
    /// one per row group, with the same schemas: for callers that analyse a run without
    /// files (the Python package).
    pub fn in_memory(snapshot_every: Option<u32>) -> ParquetSink {
        ParquetSink {
            dir: None,
            snapshot_every,
            tables: Vec::new(),
            run: Names::default(),
        }
    }

    /// The tables kept in memory, in file order: name, schema and row groups (empty for
    /// a sink that wrote files).
    pub fn into_tables(self) -> Vec<(String, SchemaRef, Vec<RecordBatch>)> {
        (self.tables.into_iter())
            .map(|t| (t.name.to_string(), t.schema, t.kept.unwrap_or_default()))
            .collect()
    }

    pub fn written(&self) -> Vec<Written> {
        self.tables
            .iter()
            .map(|t| Written {
                name: format!("{}.parquet", t.name),
                path: t.path.clone(),
                rows: t.rows,
            })
            .collect()
    }

    /// Makes the files written so far durable for a checkpoint: each is closed (so it is
    /// a valid Parquet file), moved into `dir`, and a new file at the old place takes
    /// over its row groups and goes on from there.
    pub fn checkpoint(&mut self, dir: &Path) -> Result<()> {
        for t in &mut self.tables {
            t.close()?;
            let saved = dir.join(format!("{}.parquet", t.name));
            std::fs::rename(&t.path, &saved).map_err(|e| Error::io(&saved, e))?;
            let mut fresh = Table::with_schema(self.dir.as_deref(), t.name, t.schema.clone())?;
            fresh.copy_from(&saved)?;
            *t = fresh;
        }
        Ok(())
    }

    /// After `begin`, takes over the row groups a checkpoint in `dir` saved.
    pub fn restore(&mut self, dir: &Path) -> Result<()> {
        for t in &mut self.tables {
            let saved = dir.join(format!("{}.parquet", t.name));
            if saved.exists() {
                t.copy_from(&saved)?;
            }
        }
        Ok(())
    }

    fn table(&mut self, name: &str) -> &mut Table {
        self.tables
            .iter_mut()
            .find(|t| t.name == name)
            .expect("table created in begin")
    }
}

fn i32s(n: usize, v: i32) -> ArrayRef {
    Arc::new(Int32Array::from(vec![v; n]))
}
fn f64s(v: Vec<f64>) -> ArrayRef {
    Arc::new(Float64Array::from(v))
}
/// One array per catalogue column, in catalogue order: the file's value columns.
fn values<R>(columns: &[Column<R>], rows: &[R], per_agent: f64) -> Vec<ArrayRef> {
    columns
        .iter()
        .map(|c| f64s(rows.iter().map(|r| (c.value)(r).real(per_agent)).collect()))
        .collect()
}
fn strs<S: AsRef<str>>(v: Vec<S>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}
fn opt_strs(v: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

impl Sink for ParquetSink {
    fn begin(&mut self, run: &RunInfo) -> Result<()> {
        self.run = Names {
            cities: run
                .region
                .city_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            sectors: run
                .region
                .sector_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            policies: run.policy_kinds.clone(),
            scale: run.scale,
        };
        let mut tables = data_tables(self.dir.as_deref(), &Places::of(&run.region.spec))?;
        if self.snapshot_every.is_some() {
            let (firms, persons) = (firm_fields(), person_fields());
            debug_assert_eq!(unaccounted(&firms, &FIRM_INTERNAL, Firms::COLUMNS), None);
            debug_assert_eq!(
                unaccounted(&persons, &PERSON_INTERNAL, Persons::COLUMNS),
                None
            );
            let dir = self.dir.as_deref();
            tables.push(Table::create(dir, "firms", snapshot_schema(firms))?);
            tables.push(Table::create(dir, "persons", snapshot_schema(persons))?);
        }
        self.tables = tables;
        Ok(())
    }

    fn record(&mut self, step: &StepView) -> Result<()> {
        let fr = step.frame;
        let run = std::mem::take(&mut self.run);
        let written = self.write_step(&run, fr);
        let snapshot = self
            .snapshot_every
            .is_some_and(|every| fr.step.is_multiple_of(every) || step.last);
        let written = written.and_then(|_| match snapshot {
            true => self.snapshot(&run, fr, step.firms, step.persons),
            false => Ok(()),
        });
        self.run = run;
        written
    }

    fn finish(&mut self) -> Result<()> {
        for t in &mut self.tables {
            t.close()?;
        }
        Ok(())
    }
}

impl ParquetSink {
    /// The step's rows of every table but the snapshots.
    fn write_step(&mut self, run: &Names, fr: &StepFrame) -> Result<()> {
        self.table("cities").write(city_columns(run, fr))?;
        self.table("city_sectors")
            .write(city_sector_columns(run, fr))?;
        self.table("flows").write(flow_columns(run, fr))?;
        self.table("indicators").write(indicator_columns(fr))?;
        self.table("events").write(event_columns(run, fr))
    }
}

/// Step and year, the key of every row of a step.
fn step_key(fr: &StepFrame, n: usize) -> Vec<ArrayRef> {
    vec![i32s(n, fr.step as i32), i32s(n, fr.year)]
}

fn city_columns(run: &Names, fr: &StepFrame) -> Vec<ArrayRef> {
    let mut cols = step_key(fr, fr.cities.len());
    cols.push(strs(run.cities.clone()));
    cols.extend(values(&indicators::CITY, &fr.cities, 1.0 / run.scale));
    cols
}

fn city_sector_columns(run: &Names, fr: &StepFrame) -> Vec<ArrayRef> {
    let cs = &fr.city_sectors;
    let mut cols = step_key(fr, cs.len());
    cols.push(strs(cs.iter().map(|r| run.city(r.city)).collect()));
    cols.push(strs(cs.iter().map(|r| run.sector(r.sector)).collect()));
    cols.extend(values(&indicators::CITY_SECTOR, cs, 1.0 / run.scale));
    cols
}

fn flow_columns(run: &Names, fr: &StepFrame) -> Vec<ArrayRef> {
    let fl: Vec<_> = fr.flows.iter().collect();
    let mut cols = step_key(fr, fl.len());
    cols.push(strs(fl.iter().map(|(key, _)| run.city(key.0)).collect()));
    cols.push(strs(fl.iter().map(|(key, _)| run.city(key.1)).collect()));
    let sectors = fl.iter().map(|(key, _)| key.2.map(|s| run.sector(s)));
    cols.push(opt_strs(sectors.collect()));
    let counts: Vec<_> = fl.iter().map(|(_, v)| **v).collect();
    cols.extend(values(&indicators::FLOW, &counts, 1.0 / run.scale));
    cols
}

fn indicator_columns(fr: &StepFrame) -> Vec<ArrayRef> {
    let ind = &fr.indicators;
    let mut cols = step_key(fr, ind.len());
    cols.push(strs(ind.iter().map(|(name, _)| name.as_str()).collect()));
    cols.push(f64s(ind.iter().map(|(_, v)| *v).collect()));
    cols
}

fn event_columns(run: &Names, fr: &StepFrame) -> Vec<ArrayRef> {
    let ev = &fr.events;
    // Events name the policy they come from by its position, 1-based; 0 is the market.
    let cause = |c: u8| match c {
        0 => "market",
        c => run.policies[c as usize - 1],
    };
    let mut cols = step_key(fr, ev.len());
    cols.extend([
        Arc::new(UInt32Array::from_iter_values(ev.iter().map(|e| e.firm))) as ArrayRef,
        strs(ev.iter().map(|e| run.sector(e.sector)).collect()),
        Arc::new(Int64Array::from_iter_values(
            ev.iter().map(|e| i64::from(e.employees)),
        )),
        f64s(
            ev.iter()
                .map(|e| f64::from(e.employees) / run.scale)
                .collect(),
        ),
        f64s(
            ev.iter()
                .map(|e| firm_agents(u64::from(e.weight)) / run.scale)
                .collect(),
        ),
        opt_strs(ev.iter().map(|e| e.origin.map(|c| run.city(c))).collect()),
        opt_strs(
            ev.iter()
                .map(|e| e.destination.map(|c| run.city(c)))
                .collect(),
        ),
        strs(ev.iter().map(|e| e.kind.name()).collect()),
        strs(ev.iter().map(|e| cause(e.cause)).collect()),
        Arc::new(BooleanArray::from(
            ev.iter().map(|e| e.directed).collect::<Vec<_>>(),
        )),
    ]);
    cols
}

impl Names {
    fn city(&self, c: u8) -> &str {
        &self.cities[c as usize]
    }

    fn sector(&self, s: u8) -> &str {
        &self.sectors[s as usize]
    }
}

impl ParquetSink {
    fn snapshot(&mut self, run: &Names, fr: &StepFrame, fi: &Firms, p: &Persons) -> Result<()> {
        let cols = snapshot_columns(&firm_fields(), fi, fi.len(), run, fr);
        self.table("firms").write(cols)?;
        let cols = snapshot_columns(&person_fields(), p, p.len(), run, fr);
        self.table("persons").write(cols)
    }
}

/// A field of a snapshot table: its schema, the agent column it shows (None: the row's
/// id), and how its values are built. The schema and the rows come from the same list,
/// and a test checks that every agent column is shown or listed as internal.
struct Shown<T> {
    field: Field,
    column: Option<&'static str>,
    values: fn(&T, &Names) -> ArrayRef,
}

fn shown<T>(
    field: Field,
    column: Option<&'static str>,
    values: fn(&T, &Names) -> ArrayRef,
) -> Shown<T> {
    Shown {
        field,
        column,
        values,
    }
}

/// Firm columns no snapshot shows: random-stream keys and the clocks of tax sharing,
/// which a resumed run needs (checkpoints keep them) but an analysis does not.
const FIRM_INTERNAL: [&str; 6] = [
    "rng_key",
    "moved_step",
    "share_years_left",
    "share_extension_left",
    "share_fraction",
    "share_cap_left",
];

/// Person columns no snapshot shows.
const PERSON_INTERNAL: [&str; 0] = [];

/// firms.parquet after step and year, in file order.
fn firm_fields() -> Vec<Shown<Firms>> {
    use DataType::*;
    vec![
        shown(f("firm_id", UInt32), None, |fi, _| ids(fi.len())),
        shown(f("sector", Utf8), Some("sector"), |fi, run| {
            strs(
                fi.sector()
                    .iter()
                    .map(|&s| run.sectors[s as usize].as_str())
                    .collect(),
            )
        }),
        shown(f("city", Utf8), Some("city"), |fi, run| {
            city_names(run, fi.city())
        }),
        shown(f("alive", Boolean), Some("alive"), |fi, _| {
            Arc::new(BooleanArray::from(fi.alive().to_vec()))
        }),
        shown(f("employees", Int64), Some("employees"), |fi, _| {
            int64s(fi.employees())
        }),
        shown(f("target_size", Int64), Some("target"), |fi, _| {
            int64s(fi.target())
        }),
        shown(f("firms", Float64), Some("weight"), |fi, run| {
            f64s(
                fi.weight()
                    .iter()
                    .map(|&w| firm_agents(u64::from(w)) / run.scale)
                    .collect(),
            )
        }),
        shown(f("productivity", Float32), Some("productivity"), |fi, _| {
            Arc::new(Float32Array::from(fi.productivity().to_vec()))
        }),
        shown(f("age", Int32), Some("age"), |fi, _| {
            Arc::new(Int32Array::from_iter_values(
                fi.age().iter().map(|&a| i32::from(a)),
            ))
        }),
        shown(f("origin", Utf8), Some("origin"), |fi, run| {
            city_names(run, fi.origin())
        }),
        shown(
            f("tax_holiday_left", Int32),
            Some("holiday_left"),
            |fi, _| {
                Arc::new(Int32Array::from_iter_values(
                    fi.holiday_left().iter().map(|&a| i32::from(a)),
                ))
            },
        ),
        shown(
            nullable("tax_shared_with", Utf8),
            Some("share_to"),
            |fi, run| cities_or_none(run, fi.share_to()),
        ),
    ]
}

/// persons.parquet after step and year, in file order.
fn person_fields() -> Vec<Shown<Persons>> {
    use DataType::*;
    vec![
        shown(f("person_id", UInt32), None, |p, _| ids(p.len())),
        shown(nullable("city", Utf8), Some("city"), |p, run| {
            cities_or_none(run, p.city())
        }),
        shown(nullable("hukou_city", Utf8), Some("hukou"), |p, run| {
            cities_or_none(run, p.hukou())
        }),
        shown(f("skill", Utf8), Some("skill"), |p, _| {
            strs(p.skill().iter().map(|&k| skill_name(k)).collect())
        }),
        shown(nullable("employer", UInt32), Some("employer"), |p, _| {
            let employer = p.employer().iter().map(|&e| (e != NO_FIRM).then_some(e));
            Arc::new(UInt32Array::from(employer.collect::<Vec<_>>()))
        }),
        shown(nullable("work_city", Utf8), Some("work_city"), |p, run| {
            cities_or_none(run, p.work_city())
        }),
    ]
}

fn snapshot_schema<T>(fields: Vec<Shown<T>>) -> Vec<Field> {
    with_key(fields.into_iter().map(|s| s.field).collect())
}

/// One snapshot's columns of `n` agents: step, year, then every shown field.
fn snapshot_columns<T>(
    fields: &[Shown<T>],
    agents: &T,
    n: usize,
    run: &Names,
    fr: &StepFrame,
) -> Vec<ArrayRef> {
    let mut cols = vec![i32s(n, fr.step as i32), i32s(n, fr.year)];
    cols.extend(fields.iter().map(|s| (s.values)(agents, run)));
    cols
}

fn skill_name(k: u8) -> &'static str {
    match k {
        HIGH => "high",
        DEPENDENT => "dependent",
        _ => "low",
    }
}

fn ids(n: usize) -> ArrayRef {
    Arc::new(UInt32Array::from_iter_values(0..n as u32))
}

fn int64s(v: &[u32]) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(
        v.iter().map(|&x| i64::from(x)),
    ))
}

fn city_names(run: &Names, codes: &[u8]) -> ArrayRef {
    strs(
        codes
            .iter()
            .map(|&c| run.cities[c as usize].as_str())
            .collect(),
    )
}

/// City names, null for [`OUTSIDE`].
fn cities_or_none(run: &Names, codes: &[u8]) -> ArrayRef {
    let name = |c: u8| (c != OUTSIDE).then(|| run.cities[c as usize].as_str());
    opt_strs(codes.iter().map(|&c| name(c)).collect())
}

/// The first problem with a snapshot's list of `fields` against the agent `columns`:
/// every column must be shown in the snapshot or listed as `internal`, exactly once,
/// and every name given must be a column. A column added to `agents.rs` is reported
/// here until someone decides whether analyses see it.
fn unaccounted<T>(fields: &[Shown<T>], internal: &[&str], columns: &[&str]) -> Option<String> {
    let shown: Vec<&str> = fields.iter().filter_map(|s| s.column).collect();
    let named = || shown.iter().chain(internal);
    if let Some(c) = columns
        .iter()
        .find(|&c| named().filter(|&x| x == c).count() != 1)
    {
        return Some(format!("column {c} is not shown or internal exactly once"));
    }
    named()
        .find(|c| !columns.contains(c))
        .map(|c| format!("{c} is not a column"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_account_for_every_agent_column() {
        let firms = unaccounted(&firm_fields(), &FIRM_INTERNAL, Firms::COLUMNS);
        assert_eq!(firms, None);
        let persons = unaccounted(&person_fields(), &PERSON_INTERNAL, Persons::COLUMNS);
        assert_eq!(persons, None);
        let mut missing = FIRM_INTERNAL.to_vec();
        missing.pop();
        let found = unaccounted(&firm_fields(), &missing, Firms::COLUMNS);
        assert_eq!(
            found.as_deref(),
            Some("column share_cap_left is not shown or internal exactly once")
        );
        let made_up = unaccounted(&person_fields(), &["household"], Persons::COLUMNS);
        assert_eq!(made_up.as_deref(), Some("household is not a column"));
    }
}
