//! JSON: an array of records (`json`) or one record per line (`jsonl`). Each record is the
//! [`Classification`] plus `extra`, the input columns the vocabulary does not know, carried
//! through by header.

use std::io::Write;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::RecordWriter;
use crate::engine::Classification;
use crate::roster::Header;

/// Writes records as JSON or JSON Lines.
pub struct JsonWriter<'w> {
    out: Box<dyn Write + 'w>,
    lines: bool,
    count: usize,
    extra: Vec<(usize, String)>,
}

impl<'w> JsonWriter<'w> {
    /// A JSON writer over `out`; `lines` for one object per line.
    pub fn new(out: Box<dyn Write + 'w>, lines: bool) -> Self {
        JsonWriter {
            out,
            lines,
            count: 0,
            extra: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct Out<'a, 'r> {
    #[serde(flatten)]
    record: &'a Classification<'r>,
    extra: Extra<'a>,
}

struct Extra<'a> {
    columns: &'a [(usize, String)],
    cells: &'a [String],
}

impl Serialize for Extra<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (i, name) in self.columns {
            map.serialize_entry(name, self.cells.get(*i).map(String::as_str).unwrap_or(""))?;
        }
        map.end()
    }
}

impl RecordWriter for JsonWriter<'_> {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        self.extra = header
            .uses
            .iter()
            .enumerate()
            .filter(|(_, u)| u.is_none())
            .map(|(i, _)| (i, header.names[i].clone()))
            .collect();
        if !self.lines {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    fn write(&mut self, cells: &[String], record: &Classification) -> std::io::Result<()> {
        let out = Out {
            record,
            extra: Extra {
                columns: &self.extra,
                cells,
            },
        };
        if self.lines {
            serde_json::to_writer(&mut self.out, &out)?;
        } else {
            self.out
                .write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer_pretty(&mut self.out, &out)?;
        }
        if self.lines {
            self.out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if !self.lines {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }
}
