//! Checkpoints: the whole simulation state at a step boundary, so a run that was
//! interrupted (Ctrl-C, SIGTERM from a cluster's time limit) continues where it stopped
//! and ends with data files byte-identical to those of a run never interrupted.
//!
//! A checkpoint directory holds `state.bin` (agent columns and the path-dependent city
//! state, see `state.rs`), `scenario.toml` (the self-contained scenario) and the run's data
//! files up to that step, closed and readable; `checkpoint.toml` names the format, the
//! run settings and the SHA-256 of every other file. Everything else (calibration, start
//! values) is rebuilt by `Model::new`, which is deterministic.
//!
//! A run continued from a damaged or foreign checkpoint would write data that is neither
//! the interrupted run's nor any run's, or crash later, so [`load`] refuses one with
//! [`Error::Checkpoint`]: it checks the format and every checksum before it uses a file,
//! reads `state.bin` through its checksum with every length bounded by the bytes left,
//! and checks the state against the scenario's dimensions before a step runs.

mod check;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::digest::{sha256_bytes, sha256_file};
use crate::engine::Model;
use crate::error::{Error, Result};
use crate::scenario::{self, Resolved};
use state::{HashingWriter, StateReader};

/// The version of the checkpoint layout; 1 had no checksums, 2 no firm weights.
pub const FORMAT: u32 = 3;

const META: &str = "checkpoint.toml";
const STATE: &str = "state.bin";
const SCENARIO: &str = "scenario.toml";

/// Settings a resumed run must keep to write the same files.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckpointInfo {
    pub step: u32,
    pub snapshot_every: Option<u32>,
    pub checkpoint_every: Option<u32>,
    pub scenario_sha256: String,
    pub started_utc: String,
}

/// `checkpoint.toml`: the format, the run settings and the checksum of every other file
/// in the directory, sealed by a checksum of all that, so an edited setting (which would
/// change the files a resumed run writes) is caught like a damaged file.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Sealed {
    format: u32,
    /// SHA-256 of the other fields, see [`Sealed::digest`].
    sha256: String,
    run: CheckpointInfo,
    files: BTreeMap<String, String>,
}

impl Sealed {
    fn new(run: &CheckpointInfo, files: BTreeMap<String, String>) -> Sealed {
        let mut s = Sealed {
            format: FORMAT,
            sha256: String::new(),
            run: run.clone(),
            files,
        };
        s.sha256 = s.digest();
        s
    }

    /// The checksum of the TOML the fields other than `sha256` serialise to: edits that
    /// change no value (comments, spacing) keep it.
    fn digest(&self) -> String {
        let unsealed = Sealed {
            sha256: String::new(),
            ..self.clone()
        };
        sha256_bytes(to_toml(&unsealed).as_bytes())
    }
}

fn to_toml(s: &Sealed) -> String {
    toml::to_string(s).expect("checkpoint info serialises")
}

fn refuse(path: &Path, reason: impl Into<String>) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn damaged(path: &Path, why: impl std::fmt::Display) -> Error {
    refuse(path, format!("damaged checkpoint ({why})"))
}

/// Hash of the self-contained scenario: a checkpoint only resumes the run it came from.
pub fn scenario_hash(resolved: &Resolved) -> String {
    sha256_bytes(resolved.self_contained().to_toml().as_bytes())
}

/// Writes the checkpoint files into `dir`, which must exist and hold the run's data files
/// already (they are hashed with the rest). `checkpoint.toml` comes last, so a directory
/// without it was never a checkpoint.
pub fn save(dir: &Path, model: &Model, resolved: &Resolved, info: &CheckpointInfo) -> Result<()> {
    let mut files = BTreeMap::new();
    files.insert(STATE.to_string(), save_state(&dir.join(STATE), model)?);
    let text = resolved.self_contained().to_toml();
    let sc = dir.join(SCENARIO);
    std::fs::write(&sc, &text).map_err(|e| Error::io(&sc, e))?;
    files.insert(SCENARIO.to_string(), sha256_bytes(text.as_bytes()));
    for name in file_names(dir)? {
        if name != META && !files.contains_key(&name) {
            let sum = sha256_file(&dir.join(&name))?;
            files.insert(name, sum);
        }
    }
    let meta = dir.join(META);
    std::fs::write(&meta, to_toml(&Sealed::new(info, files))).map_err(|e| Error::io(&meta, e))
}

/// Writes `state.bin` and returns its SHA-256, taken from the bytes as they were written.
fn save_state(path: &Path, model: &Model) -> Result<String> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = HashingWriter::new(BufWriter::new(file));
    state::write_state(&mut w, model)
        .and_then(|_| w.flush())
        .map_err(|e| Error::io(path, e))?;
    Ok(w.sha256())
}

fn file_names(dir: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    entries
        .map(|e| {
            e.map(|e| e.file_name().to_string_lossy().into_owned())
                .map_err(|err| Error::io(dir, err))
        })
        .collect()
}

/// Reads a checkpoint directory: the scenario, its settings and the model at its step.
/// Refuses, with [`Error::Checkpoint`], a checkpoint of another format, one whose files
/// do not match their checksums, and one whose state does not fit its scenario.
pub fn load(dir: &Path) -> Result<(Resolved, CheckpointInfo, Model)> {
    let sealed = read_sealed(&dir.join(META))?;
    verify_files(dir, &sealed.files)?;
    let resolved = load_scenario(&dir.join(SCENARIO), &sealed.run)?;
    // Called inside the run's thread pool: its size is the run's threads.
    let usage = crate::resources::Usage {
        threads: rayon::current_num_threads(),
        snapshots: sealed.run.snapshot_every.is_some(),
        runs: 1,
    };
    crate::resources::check(&resolved, &usage)?;
    let model = load_state(&dir.join(STATE), &resolved, &sealed)?;
    Ok((resolved, sealed.run, model))
}

/// `checkpoint.toml`, once its format is known and its seal matches.
fn read_sealed(meta: &Path) -> Result<Sealed> {
    let text = crate::input::read_text(meta).map_err(|e| match e {
        Error::Unreadable { reason, .. } => damaged(meta, reason),
        other => other,
    })?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| damaged(meta, format!("not TOML: {}", e.message())))?;
    check_format(meta, table.get("format"))?;
    let sealed: Sealed = toml::from_str(&text).map_err(|e| damaged(meta, e.message()))?;
    if sealed.sha256 != sealed.digest() {
        return Err(damaged(meta, "checksum mismatch"));
    }
    let run = &sealed.run;
    if run.snapshot_every == Some(0) || run.checkpoint_every == Some(0) {
        return Err(refuse(meta, "foreign checkpoint (a setting of 0 steps)"));
    }
    Ok(sealed)
}

fn check_format(meta: &Path, format: Option<&toml::Value>) -> Result<()> {
    match format.map(|v| v.as_integer()) {
        Some(Some(3)) => Ok(()),
        None | Some(Some(1)) => Err(refuse(
            meta,
            "written by an older relocsim (checkpoint format 1, without checksums)",
        )),
        Some(Some(2)) => Err(refuse(
            meta,
            "written by an older relocsim (checkpoint format 2, without firm weights)",
        )),
        Some(Some(n)) => Err(refuse(
            meta,
            format!("checkpoint format {n}; this relocsim reads format {FORMAT} only"),
        )),
        Some(None) => Err(damaged(meta, "its format is not a number")),
    }
}

/// The directory holds exactly the files `checkpoint.toml` lists, and every one but
/// `state.bin` (checked as it is read) matches its checksum.
fn verify_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    let meta = dir.join(META);
    for need in [STATE, SCENARIO] {
        if !files.contains_key(need) {
            return Err(damaged(&meta, format!("{need} is not listed")));
        }
    }
    let listed: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    let names = file_names(dir)?;
    let present: BTreeSet<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| *n != META)
        .collect();
    if let Some(extra) = present.difference(&listed).next() {
        return Err(refuse(&dir.join(extra), "foreign file in a checkpoint"));
    }
    if let Some(missing) = listed.difference(&present).next() {
        return Err(damaged(&dir.join(missing), "listed but not there"));
    }
    for (name, sum) in files.iter().filter(|(n, _)| *n != STATE) {
        let path = dir.join(name);
        if sha256_file(&path)? != *sum {
            return Err(damaged(&path, "checksum mismatch"));
        }
    }
    Ok(())
}

fn load_scenario(path: &Path, run: &CheckpointInfo) -> Result<Resolved> {
    let resolved = scenario::load(path)
        .map_err(|e| refuse(path, format!("foreign checkpoint (its scenario: {e})")))?;
    if scenario_hash(&resolved) != run.scenario_sha256 {
        return Err(refuse(
            path,
            "foreign checkpoint (not the scenario the run started with)",
        ));
    }
    Ok(resolved)
}

/// Builds the model of the scenario and reads `path` into it; the model is returned
/// only once the whole file matched its checksum and the state fits the scenario.
fn load_state(path: &Path, resolved: &Resolved, sealed: &Sealed) -> Result<Model> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut model = Model::new(resolved);
    let born = model.firms.len();
    let mut r = StateReader::new(BufReader::new(file), len);
    state::read_state(&mut r, &mut model).map_err(|why| damaged(path, why))?;
    let sum = r.sha256().map_err(|why| damaged(path, why))?;
    if sealed.files.get(STATE) != Some(&sum) {
        return Err(damaged(path, "checksum mismatch"));
    }
    if model.step != sealed.run.step {
        return Err(damaged(
            path,
            format!(
                "the state is of step {}, not {}",
                model.step, sealed.run.step
            ),
        ));
    }
    check::check(&model, born).map_err(|why| refuse(path, foreign(why)))?;
    model.resume_after_load();
    Ok(model)
}

fn foreign(why: String) -> String {
    format!("foreign checkpoint (the state does not fit its scenario: {why})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{ColumnValue, DEPENDENT, FillColumns, Firms, NO_FIRM, VisitColumns};
    use std::convert::Infallible;

    fn shipped(name: &str, scale: f64) -> Resolved {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(format!("{name}.toml"));
        let mut r = scenario::load(&path).unwrap();
        r.scenario.scenario.scale = scale;
        r
    }

    fn tmpdir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "relocsim-checkpoint-unit-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_engine_keeps_every_invariant_the_check_demands() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let mut m = Model::new(&shipped(&name, 0.001));
            let born = m.firms.len();
            check::check(&m, born).unwrap();
            while !m.is_done() {
                m.step();
                check::check(&m, born).unwrap_or_else(|e| panic!("{name} {}: {e}", m.step));
            }
        }
    }

    fn first(m: &Model, employed: bool) -> usize {
        let p = &m.persons;
        (0..p.len())
            .find(|&i| p.skill()[i] != DEPENDENT && (p.employer()[i] != NO_FIRM) == employed)
            .unwrap()
    }

    fn employer_of_someone(m: &Model) -> usize {
        m.persons.employer()[first(m, true)] as usize
    }

    /// A name, a change to a model, and what the refusal of its checkpoint says.
    type Tamper = (&'static str, fn(&mut Model), &'static str);

    /// The error `load` gives for a checkpoint of a model after three steps, changed by
    /// `tamper` before it is saved: its checksums match, its contents do not fit.
    fn refused(name: &str, tamper: impl FnOnce(&mut Model)) -> String {
        let r = shipped("integrated", 0.001);
        let mut m = Model::new(&r);
        for _ in 0..3 {
            m.step();
        }
        tamper(&mut m);
        let info = CheckpointInfo {
            step: m.step,
            snapshot_every: None,
            checkpoint_every: None,
            scenario_sha256: scenario_hash(&r),
            started_utc: "2026-01-01T00:00:00Z".into(),
        };
        let dir = tmpdir(name);
        save(&dir, &m, &r, &info).unwrap();
        let err = load(&dir).err().expect("the checkpoint is refused");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(err, Error::Checkpoint { .. }), "{err}");
        assert!(!err.is_input_error());
        err.to_string()
    }

    #[test]
    fn an_untouched_checkpoint_loads_to_the_same_state() {
        let r = shipped("integrated", 0.001);
        let mut m = Model::new(&r);
        m.step();
        let info = CheckpointInfo {
            step: 1,
            snapshot_every: Some(2),
            checkpoint_every: None,
            scenario_sha256: scenario_hash(&r),
            started_utc: "2026-01-01T00:00:00Z".into(),
        };
        let dir = tmpdir("untouched");
        save(&dir, &m, &r, &info).unwrap();
        let (_, back, loaded) = load(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(back, info);
        assert_eq!(loaded.persons.employer(), m.persons.employer());
        assert_eq!(loaded.firms.share_cap_left(), m.firms.share_cap_left());
        assert_eq!(loaded.tally, m.tally);
    }

    #[test]
    fn a_sealed_state_with_codes_out_of_range_is_refused() {
        let cases: [Tamper; 8] = [
            (
                "city",
                |m| m.persons.city_mut()[0] = 200,
                "person 0: city code",
            ),
            (
                "hukou",
                |m| m.persons.hukou_mut()[0] = 100,
                "person 0: hukou",
            ),
            (
                "skill",
                |m| m.persons.skill_mut()[0] = 7,
                "person 0: skill code",
            ),
            (
                "employer",
                |m| {
                    let i = first(m, true);
                    m.persons.employer_mut()[i] = m.firms.len() as u32 + 5;
                },
                "employer out of range",
            ),
            (
                "sector",
                |m| m.firms.sector_mut()[3] = 250,
                "firm 3: sector code",
            ),
            (
                "share",
                |m| m.firms.share_to_mut()[3] = 50,
                "firm 3: tax-sharing",
            ),
            ("step", |m| m.step = m.steps + 1, "past the run's 15 steps"),
            ("firms", |m| m.firms = Firms::default(), "0 firms, fewer"),
        ];
        for (name, tamper, want) in cases {
            let msg = refused(name, tamper);
            assert!(msg.contains("state.bin: foreign checkpoint"), "{msg}");
            assert!(msg.contains(want), "{name}: {msg}");
        }
    }

    #[test]
    fn a_sealed_state_with_inconsistent_values_is_refused() {
        let cases: [Tamper; 8] = [
            (
                "head count",
                |m| {
                    let f = employer_of_someone(m);
                    m.firms.employees_mut()[f] += 1;
                },
                "persons work there",
            ),
            (
                "exited",
                |m| {
                    let f = employer_of_someone(m);
                    m.firms.alive_mut()[f] = false;
                },
                "works for a firm that exited",
            ),
            (
                "dependent",
                |m| {
                    let i = m
                        .persons
                        .skill()
                        .iter()
                        .position(|&k| k == DEPENDENT)
                        .unwrap();
                    let f = employer_of_someone(m);
                    m.persons.employer_mut()[i] = f as u32;
                    m.persons.work_city_mut()[i] = m.firms.city()[f];
                },
                "a dependent with a job",
            ),
            (
                "commute",
                |m| {
                    let i = first(m, false);
                    let n = m.region.n_cities() as u8;
                    m.persons.work_city_mut()[i] = (m.persons.city()[i] + 1) % n;
                },
                "works away from home without a job",
            ),
            (
                "moved",
                |m| m.firms.moved_step_mut()[2] = m.step as u16 + 1,
                "moved after",
            ),
            (
                "nan",
                |m| m.firms.productivity_mut()[2] = f32::NAN,
                "productivity",
            ),
            (
                "revenue",
                |m| m.cities.revenue[1] = f64::INFINITY,
                "revenue [1]",
            ),
            (
                "key",
                |m| m.firms.rng_key_mut()[4] = 99,
                "firm 4: not a firm",
            ),
        ];
        for (name, tamper, want) in cases {
            let msg = refused(name, tamper);
            assert!(msg.contains(want), "{name}: {msg}");
        }
    }

    /// Every column of an agent table as its name and bytes, in declaration order.
    #[derive(Default)]
    struct Columns(Vec<(&'static str, Vec<u8>)>);

    impl VisitColumns for Columns {
        type Error = Infallible;
        fn column<T: ColumnValue>(
            &mut self,
            name: &'static str,
            v: &[T],
        ) -> Result<(), Infallible> {
            let mut bytes = Vec::new();
            v.iter().for_each(|x| x.put(&mut bytes));
            self.0.push((name, bytes));
            Ok(())
        }
    }

    fn columns(visit: impl FnOnce(&mut Columns) -> Result<(), Infallible>) -> Columns {
        let mut c = Columns::default();
        visit(&mut c).unwrap();
        c
    }

    /// Overwrites every column with a pattern of its own, so that a column the round
    /// trip missed would keep a fresh model's values and show up.
    struct Scramble(u8);

    impl FillColumns for Scramble {
        type Error = Infallible;
        fn column<T: ColumnValue>(
            &mut self,
            _: &'static str,
            v: &mut Vec<T>,
        ) -> Result<(), Infallible> {
            self.0 += 1;
            for (i, x) in v.iter_mut().enumerate() {
                let bytes: Vec<u8> = (0..T::WIDTH).map(|k| (i * 7 + k) as u8 ^ self.0).collect();
                // A bool has two values: take the pattern's lowest bit.
                *x = T::get(&bytes).or_else(|| T::get(&[bytes[0] & 1])).unwrap();
            }
            Ok(())
        }
    }

    /// Writes `state.bin` of a model whose every agent column was scrambled, reads it into
    /// a fresh model of the same scenario, and compares every declared column, found by
    /// the same visitor the declaration generates: a column added to `agents.rs` is in
    /// this test without anyone adding it.
    #[test]
    fn every_declared_column_round_trips_through_state_bin() {
        let r = shipped("integrated", 0.001);
        let mut m = Model::new(&r);
        m.step();
        m.step();
        m.firms.fill(&mut Scramble(0)).unwrap();
        m.persons.fill(&mut Scramble(100)).unwrap();
        let mut bytes = Vec::new();
        state::write_state(&mut bytes, &m).unwrap();
        let fresh = Model::new(&r);
        let mut back = Model::new(&r);
        let mut reader = StateReader::new(&bytes[..], bytes.len() as u64);
        state::read_state(&mut reader, &mut back).unwrap();
        reader.sha256().unwrap();
        let tables = [
            (
                Firms::COLUMNS,
                columns(|c| m.firms.visit(c)),
                columns(|c| back.firms.visit(c)),
                columns(|c| fresh.firms.visit(c)),
            ),
            (
                crate::agents::Persons::COLUMNS,
                columns(|c| m.persons.visit(c)),
                columns(|c| back.persons.visit(c)),
                columns(|c| fresh.persons.visit(c)),
            ),
        ];
        for (declared, wrote, read, start) in tables {
            let names: Vec<&str> = wrote.0.iter().map(|c| c.0).collect();
            assert_eq!(names, declared);
            assert_eq!(read.0.len(), declared.len());
            for ((w, r), s) in wrote.0.iter().zip(&read.0).zip(&start.0) {
                assert_eq!(w, r, "column {} differs after the round trip", w.0);
                assert_ne!(w.1, s.1, "column {} was not scrambled", w.0);
            }
        }
        assert_eq!(
            (back.step, back.cities.revenue.clone()),
            (m.step, m.cities.revenue.clone())
        );
        assert_eq!(back.cumulative.directed_moves, m.cumulative.directed_moves);
    }
}
