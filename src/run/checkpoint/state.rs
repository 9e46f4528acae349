//! `state.bin`: the agent columns and the path-dependent city state, each column a u64
//! length and little-endian values. It is written through a hash, so the checkpoint can
//! name its checksum without reading gigabytes a second time, and read through a hash
//! and a byte budget, so a damaged file is refused before its data is used and no length
//! read from it can ask for more memory than the file has bytes.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use crate::agents::{ColumnValue as Column, FillColumns, Firms, NO_FIRM, Persons, VisitColumns};
use crate::digest::sha256_finish;
use crate::engine::{CityState, Model};

const MAGIC: &[u8; 16] = b"relocsim-ckpt-02";

/// Columns pass through a buffer of this many bytes, so neither writing nor reading
/// holds a second copy of a whole column.
const BUF: usize = 1 << 16;

/// Passes every byte written on to `inner` and into a SHA-256.
pub(super) struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub(super) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hash: Sha256::new(),
        }
    }

    /// The hex SHA-256 of everything written (flush first).
    pub(super) fn sha256(self) -> String {
        sha256_finish(self.hash)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn put<T: Column>(w: &mut impl Write, v: &[T]) -> io::Result<()> {
    w.write_all(&(v.len() as u64).to_le_bytes())?;
    let mut buf = Vec::with_capacity(BUF);
    for part in v.chunks(BUF / T::WIDTH) {
        buf.clear();
        part.iter().for_each(|&x| x.put(&mut buf));
        w.write_all(&buf)?;
    }
    Ok(())
}

pub(super) fn write_state(w: &mut impl Write, m: &Model) -> io::Result<()> {
    w.write_all(MAGIC)?;
    put(w, &[m.step])?;
    m.firms.visit(&mut ColumnWriter(w))?;
    m.persons.visit(&mut ColumnWriter(w))?;
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

/// Writes each column of an agent table as it is visited, in declaration order.
struct ColumnWriter<'a, W>(&'a mut W);

impl<W: Write> VisitColumns for ColumnWriter<'_, W> {
    type Error = io::Error;
    fn column<T: Column>(&mut self, _: &'static str, values: &[T]) -> io::Result<()> {
        put(self.0, values)
    }
}

/// How many values a column must hold, besides fitting in the bytes left.
#[derive(Clone, Copy, Debug)]
pub(super) enum Len {
    Is(usize),
    Below(usize),
}

/// Reads `state.bin` from `inner`, which holds `left` more bytes: every byte read goes
/// into a SHA-256, and a length is refused as soon as it is larger than what is left.
/// Errors are reasons, for the caller to attach to the file's path.
pub(super) struct StateReader<R> {
    inner: R,
    hash: Sha256,
    left: u64,
    buf: Vec<u8>,
}

impl<R: Read> StateReader<R> {
    pub(super) fn new(inner: R, left: u64) -> Self {
        StateReader {
            inner,
            hash: Sha256::new(),
            left,
            buf: Vec::with_capacity(BUF),
        }
    }

    /// The next `n` bytes (at most [`BUF`]).
    fn bytes(&mut self, n: usize) -> Result<&[u8], String> {
        if n as u64 > self.left {
            return Err(format!(
                "the file ends {} bytes early",
                n as u64 - self.left
            ));
        }
        self.buf.resize(n, 0);
        self.inner
            .read_exact(&mut self.buf)
            .map_err(|e| format!("it cannot be read: {e}"))?;
        self.hash.update(&self.buf);
        self.left -= n as u64;
        Ok(&self.buf)
    }

    fn magic(&mut self) -> Result<(), String> {
        if self.bytes(MAGIC.len())? != MAGIC {
            return Err("not a relocsim checkpoint of this format".into());
        }
        Ok(())
    }

    /// A column's length, refused unless it is `len` and its values fit in what is left.
    fn length<T: Column>(&mut self, what: &str, len: Len) -> Result<usize, String> {
        let raw = u64::from_le_bytes(self.bytes(8)?.try_into().expect("8 bytes"));
        if raw > self.left / T::WIDTH as u64 {
            return Err(format!(
                "{what} claims {raw} values, more than the {} bytes left in the file",
                self.left
            ));
        }
        let n = raw as usize;
        match len {
            Len::Is(want) if n != want => Err(format!("{what} holds {n} values, not {want}")),
            Len::Below(max) if n >= max => Err(format!("{what} holds {n} values, too many")),
            _ => Ok(n),
        }
    }

    /// Reads column `what` into `v`, reusing its memory.
    pub(super) fn column_into<T: Column>(
        &mut self,
        what: &str,
        len: Len,
        v: &mut Vec<T>,
    ) -> Result<(), String> {
        let n = self.length::<T>(what, len)?;
        v.clear();
        v.reserve_exact(n);
        while v.len() < n {
            let k = (n - v.len()).min(BUF / T::WIDTH);
            for b in self.bytes(k * T::WIDTH)?.chunks_exact(T::WIDTH) {
                v.push(T::get(b).ok_or_else(|| format!("{what} holds a value never written"))?);
            }
        }
        Ok(())
    }

    pub(super) fn column<T: Column>(&mut self, what: &str, len: Len) -> Result<Vec<T>, String> {
        let mut v = Vec::new();
        self.column_into(what, len, &mut v)?;
        Ok(v)
    }

    /// The hex SHA-256 of the file, once every byte of it was read.
    pub(super) fn sha256(self) -> Result<String, String> {
        if self.left > 0 {
            return Err(format!("{} bytes follow the last column", self.left));
        }
        Ok(sha256_finish(self.hash))
    }
}

macro_rules! read_columns {
    ($r:expr, $len:expr, $table:literal, $s:expr, [$($field:ident),*]) => {
        $($r.column_into(concat!($table, ".", stringify!($field)), $len, &mut $s.$field)?;)*
    };
}

/// Reads the state into `m`, built from the checkpoint's scenario. Both tables grow
/// during a run (entrants; births and arrivals beyond the rows freed), so their lengths
/// are bounded only by their ids' type and the bytes left.
pub(super) fn read_state<R: Read>(r: &mut StateReader<R>, m: &mut Model) -> Result<(), String> {
    r.magic()?;
    m.step = r.column::<u32>("step", Len::Is(1))?[0];
    m.productivity_trend = m.trend_at(m.step);
    // Firm ids are u32, with NO_FIRM reserved; the first column fixes the others' length.
    m.firms.fill(&mut ColumnReader::new(
        r,
        Firms::NAME,
        Len::Below(NO_FIRM as usize),
    ))?;
    let persons = Len::Below(u32::MAX as usize);
    m.persons
        .fill(&mut ColumnReader::new(r, Persons::NAME, persons))?;
    let (n, ns) = (m.region.n_cities(), m.region.n_sectors());
    read_cities(r, &mut m.cities, n, ns)?;
    let counts: Vec<u64> = r.column("cumulative counts", Len::Is(4))?;
    let k = &mut m.cumulative;
    (
        k.firms_out_of_capital,
        k.jobs_out_of_capital,
        k.directed_moves,
        k.directed_blocked,
    ) = (counts[0], counts[1], counts[2], counts[3]);
    k.shared_tax_yuan = r.column::<f64>("cumulative shared tax", Len::Is(1))?[0];
    Ok(())
}

/// Reads each column of an agent table as it is visited, named `table.column` in
/// messages: the first within `len`, every later one as long as the first.
struct ColumnReader<'a, R> {
    r: &'a mut StateReader<R>,
    table: &'static str,
    len: Len,
}

impl<'a, R> ColumnReader<'a, R> {
    fn new(r: &'a mut StateReader<R>, table: &'static str, len: Len) -> Self {
        ColumnReader { r, table, len }
    }
}

impl<R: Read> FillColumns for ColumnReader<'_, R> {
    type Error = String;
    fn column<T: Column>(&mut self, name: &'static str, v: &mut Vec<T>) -> Result<(), String> {
        let what = format!("{}.{name}", self.table);
        self.r.column_into(&what, self.len, v)?;
        self.len = Len::Is(v.len());
        Ok(())
    }
}

fn read_cities<R: Read>(
    r: &mut StateReader<R>,
    c: &mut CityState,
    n: usize,
    ns: usize,
) -> Result<(), String> {
    read_columns!(
        r,
        Len::Is(n),
        "cities",
        c,
        [services, revenue, shared_in, pollution]
    );
    r.column_into("cities.output_cs", Len::Is(n * ns), &mut c.output_cs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader over `bytes`, knowing their length as `load` knows the file's.
    fn reader(bytes: &[u8]) -> StateReader<&[u8]> {
        StateReader::new(bytes, bytes.len() as u64)
    }

    fn with_length(n: u64, values: &[u8]) -> Vec<u8> {
        let mut b = n.to_le_bytes().to_vec();
        b.extend_from_slice(values);
        b
    }

    #[test]
    fn a_length_beyond_the_bytes_left_is_refused_before_allocating() {
        // 2^40 u64 values would be 8 TiB: allocating them would abort the test.
        let bytes = with_length(1 << 40, &[0; 16]);
        let err = reader(&bytes)
            .column::<u64>("firms.rng_key", Len::Below(usize::MAX))
            .unwrap_err();
        assert!(err.contains("more than the 16 bytes left"), "{err}");
        let huge = with_length(u64::MAX, &[]);
        let err = reader(&huge)
            .column::<f32>("x", Len::Below(usize::MAX))
            .unwrap_err();
        assert!(err.contains("more than the 0 bytes left"), "{err}");
    }

    #[test]
    fn a_length_other_than_expected_is_refused() {
        let bytes = with_length(2, &[1, 2]);
        let err = reader(&bytes).column::<u8>("persons.city", Len::Is(3));
        assert_eq!(err.unwrap_err(), "persons.city holds 2 values, not 3");
        let err = reader(&bytes).column::<u8>("firms.rng_key", Len::Below(2));
        assert!(err.unwrap_err().contains("too many"));
    }

    #[test]
    fn a_length_in_bounds_reads_its_values_and_the_hash_of_every_byte() {
        let bytes = with_length(3, &[1, 0, 2, 0, 3, 0]);
        let mut r = reader(&bytes);
        assert_eq!(r.column::<u16>("x", Len::Is(3)).unwrap(), vec![1, 2, 3]);
        let want = crate::digest::sha256_bytes(&bytes);
        assert_eq!(r.sha256().unwrap(), want);
    }

    #[test]
    fn bytes_after_the_last_column_or_a_bool_not_0_or_1_are_refused() {
        let bytes = with_length(1, &[1, 9]);
        let mut r = reader(&bytes);
        assert_eq!(r.column::<bool>("x", Len::Is(1)).unwrap(), vec![true]);
        assert!(r.sha256().unwrap_err().contains("1 bytes follow"));
        let bad = with_length(1, &[2]);
        assert!(reader(&bad).column::<bool>("x", Len::Is(1)).is_err());
    }

    #[test]
    fn a_file_that_ends_inside_a_length_is_refused() {
        let err = reader(&[1, 0, 0])
            .column::<u8>("x", Len::Is(1))
            .unwrap_err();
        assert!(err.contains("ends 5 bytes early"), "{err}");
    }

    #[test]
    fn columns_longer_than_the_buffer_round_trip() {
        let v: Vec<u32> = (0..40_000).collect();
        let mut w = HashingWriter::new(Vec::new());
        put(&mut w, &v).unwrap();
        let written = w.inner.clone();
        assert_eq!(w.sha256(), crate::digest::sha256_bytes(&written));
        let mut r = reader(&written);
        assert_eq!(r.column::<u32>("x", Len::Is(v.len())).unwrap(), v);
    }

    /// `state.bin` of format [`super::super::FORMAT`] holds the agent columns in their
    /// declaration order. Adding, removing or reordering a column in `agents.rs` changes
    /// the file: bump the format (and its check in `mod.rs`), then this list.
    #[test]
    fn the_format_stores_these_columns_in_this_order() {
        assert_eq!(super::super::FORMAT, 3);
        assert_eq!(
            Firms::COLUMNS,
            [
                "rng_key",
                "sector",
                "city",
                "alive",
                "target",
                "employees",
                "productivity",
                "age",
                "origin",
                "moved_step",
                "holiday_left",
                "share_to",
                "share_years_left",
                "share_extension_left",
                "share_fraction",
                "share_cap_left",
                "weight",
            ]
        );
        assert_eq!(
            Persons::COLUMNS,
            ["city", "hukou", "skill", "employer", "work_city"]
        );
    }
}
