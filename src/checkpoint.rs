//! Checkpoints: the whole simulation state at a step boundary, so a run that was
//! interrupted (Ctrl-C, SIGTERM from a cluster's time limit) continues where it stopped
//! and ends with data files byte-identical to those of a run never interrupted.
//!
//! A checkpoint directory holds `state.bin` (agent columns and the path-dependent city
//! state, little-endian), `scenario.toml` (the self-contained scenario) and
//! `checkpoint.toml` (step and run settings); the run's data files up to that step sit
//! beside them, closed and readable. Everything else (calibration, start values) is
//! rebuilt by `Model::new`, which is deterministic.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::Model;
use crate::error::{Error, Result};
use crate::scenario::{self, Resolved};

const MAGIC: &[u8; 16] = b"relocsim-ckpt-01";

/// Settings a resumed run must keep to write the same files.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckpointInfo {
    pub step: u32,
    pub snapshot_every: Option<u32>,
    pub checkpoint_every: Option<u32>,
    pub scenario_sha256: String,
    pub started_utc: String,
}

/// Columns written as a length and little-endian values.
trait Column: Sized + Copy {
    const WIDTH: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("width checked"))
            }
        }
    )*};
}
column!(u8, u16, u32, u64, f32, f64);

impl Column for bool {
    const WIDTH: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
    fn get(bytes: &[u8]) -> Self {
        bytes[0] != 0
    }
}

fn put<T: Column>(w: &mut impl Write, v: &[T]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(8 + v.len() * T::WIDTH);
    buf.extend_from_slice(&(v.len() as u64).to_le_bytes());
    for &x in v {
        x.put(&mut buf);
    }
    w.write_all(&buf)
}

fn get<T: Column>(r: &mut impl Read) -> std::io::Result<Vec<T>> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let n = u64::from_le_bytes(len) as usize;
    let mut buf = vec![0u8; n * T::WIDTH];
    r.read_exact(&mut buf)?;
    Ok(buf.chunks_exact(T::WIDTH).map(T::get).collect())
}

/// Hash of the self-contained scenario: a checkpoint only resumes the run it came from.
pub fn scenario_hash(resolved: &Resolved) -> String {
    crate::output::manifest::sha256_bytes(resolved.self_contained().to_toml().as_bytes())
}

/// Writes the checkpoint files into `dir` (which must exist).
pub fn save(dir: &Path, model: &Model, resolved: &Resolved, info: &CheckpointInfo) -> Result<()> {
    let path = dir.join("state.bin");
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::new(file);
    write_state(&mut w, model)
        .and_then(|_| w.flush())
        .map_err(|e| Error::io(&path, e))?;
    let sc = dir.join("scenario.toml");
    std::fs::write(&sc, resolved.self_contained().to_toml()).map_err(|e| Error::io(&sc, e))?;
    let meta = dir.join("checkpoint.toml");
    let text = toml::to_string(info).expect("checkpoint info serialises");
    std::fs::write(&meta, text).map_err(|e| Error::io(&meta, e))
}

fn write_state(w: &mut impl Write, m: &Model) -> std::io::Result<()> {
    w.write_all(MAGIC)?;
    put(w, &[m.step])?;
    let f = &m.firms;
    put(w, &f.rng_key)?;
    put(w, &f.sector)?;
    put(w, &f.city)?;
    put(w, &f.alive)?;
    put(w, &f.target)?;
    put(w, &f.employees)?;
    put(w, &f.productivity)?;
    put(w, &f.age)?;
    put(w, &f.origin)?;
    put(w, &f.moved_step)?;
    put(w, &f.holiday_left)?;
    put(w, &f.share_to)?;
    put(w, &f.share_years_left)?;
    put(w, &f.share_extension_left)?;
    put(w, &f.share_fraction)?;
    put(w, &f.share_cap_left)?;
    let p = &m.persons;
    put(w, &p.city)?;
    put(w, &p.hukou)?;
    put(w, &p.skill)?;
    put(w, &p.employer)?;
    put(w, &p.work_city)?;
    let c = &m.cities;
    put(w, &c.services)?;
    put(w, &c.revenue)?;
    put(w, &c.shared_in)?;
    put(w, &c.pollution)?;
    put(w, &c.output_cs)?;
    let k = &m.cumulative;
    put(
        w,
        &[
            k.firms_out_of_capital,
            k.jobs_out_of_capital,
            k.directed_moves,
            k.directed_blocked,
        ],
    )?;
    put(w, &[k.shared_tax_yuan])
}

fn read_state(r: &mut impl Read, m: &mut Model) -> std::io::Result<()> {
    let mut magic = [0u8; 16];
    r.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(std::io::Error::other(
            "not a relocsim checkpoint of this version",
        ));
    }
    m.step = get::<u32>(r)?[0];
    let f = &mut m.firms;
    f.rng_key = get(r)?;
    f.sector = get(r)?;
    f.city = get(r)?;
    f.alive = get(r)?;
    f.target = get(r)?;
    f.employees = get(r)?;
    f.productivity = get(r)?;
    f.age = get(r)?;
    f.origin = get(r)?;
    f.moved_step = get(r)?;
    f.holiday_left = get(r)?;
    f.share_to = get(r)?;
    f.share_years_left = get(r)?;
    f.share_extension_left = get(r)?;
    f.share_fraction = get(r)?;
    f.share_cap_left = get(r)?;
    let p = &mut m.persons;
    p.city = get(r)?;
    p.hukou = get(r)?;
    p.skill = get(r)?;
    p.employer = get(r)?;
    p.work_city = get(r)?;
    let c = &mut m.cities;
    c.services = get(r)?;
    c.revenue = get(r)?;
    c.shared_in = get(r)?;
    c.pollution = get(r)?;
    c.output_cs = get(r)?;
    let counts: Vec<u64> = get(r)?;
    let k = &mut m.cumulative;
    (
        k.firms_out_of_capital,
        k.jobs_out_of_capital,
        k.directed_moves,
        k.directed_blocked,
    ) = (counts[0], counts[1], counts[2], counts[3]);
    k.shared_tax_yuan = get::<f64>(r)?[0];
    Ok(())
}

/// Reads a checkpoint directory: the scenario, its settings and the model at its step.
pub fn load(dir: &Path) -> Result<(Resolved, CheckpointInfo, Model)> {
    let meta = dir.join("checkpoint.toml");
    let text = std::fs::read_to_string(&meta).map_err(|e| Error::io(&meta, e))?;
    let info: CheckpointInfo = toml::from_str(&text).map_err(|e| Error::Parse {
        file: meta.display().to_string(),
        message: e.to_string(),
    })?;
    let resolved = scenario::load(&dir.join("scenario.toml"))?;
    if scenario_hash(&resolved) != info.scenario_sha256 {
        return Err(Error::Invalid {
            file: meta.display().to_string(),
            problems: vec!["the checkpoint's scenario.toml does not match its hash".into()],
        });
    }
    let mut model = Model::new(&resolved);
    let path = dir.join("state.bin");
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    read_state(&mut BufReader::new(file), &mut model).map_err(|e| Error::io(&path, e))?;
    if model.step != info.step || !model.firms.columns_agree() || !model.persons.columns_agree() {
        return Err(Error::io(
            &path,
            std::io::Error::other("checkpoint state is inconsistent"),
        ));
    }
    model.resume_after_load();
    Ok((resolved, info, model))
}
