//! Writers: each output format is a small type that formats [`Classification`]s. Writers only
//! format; they decide nothing.
//!
//! Owns: table, CSV, JSON, JSON Lines and Markdown layouts, escaping.
//! Must not touch: rules, facts, the decision.

mod check;
mod csv_out;
mod explain;
mod json;
mod markdown;
mod table;

use std::io::Write;

use clap::ValueEnum;

use crate::engine::Classification;
use crate::roster::{Header, Row};

pub use crate::sanitize::{is_hostile, visible};
pub use check::check_text;
pub(crate) use csv_out::field as csv_field;
pub use csv_out::{CsvWriter, looks_like_formula};
pub use explain::{Explanation, text_hit_lines};
pub use json::JsonWriter;
pub use markdown::{MarkdownWriter, escape as markdown_escape};
pub use table::TableWriter;

/// The formats of `classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table for reading in a terminal.
    Table,
    /// The input columns followed by the result columns.
    Csv,
    /// One JSON array of records.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// A Markdown table.
    Markdown,
}

/// A sink for classifications, one call per record in input order.
pub trait RecordWriter {
    /// Called once before any record, with the input header.
    fn start(&mut self, header: &Header) -> std::io::Result<()>;
    /// Called once per record, with the input row.
    fn write(&mut self, row: &Row, record: &Classification) -> std::io::Result<()>;
    /// Called once after the last record.
    fn finish(&mut self) -> std::io::Result<()>;
    /// For formats whose records are each rendered on their own (CSV, JSON Lines), a renderer
    /// a worker thread can use, after `start`; [`RecordWriter::write_rendered`] then takes its
    /// bytes, in input order. `None` (the default) for formats that lay out the whole output.
    fn renderer(&self) -> Option<Box<dyn RowRenderer>> {
        None
    }
    /// Writes records rendered by a [`RecordWriter::renderer`] of this writer.
    fn write_rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let _ = bytes;
        Err(std::io::Error::other(
            "this format renders no records on its own",
        ))
    }
}

/// Renders single records into bytes, on any thread. Each renderer keeps its own memo of
/// rendered decisions.
pub trait RowRenderer: Send {
    /// Appends the output of one record (with its input row) to `out`.
    fn render(&mut self, row: &Row, record: &Classification, out: &mut Vec<u8>);
}

impl<W: RecordWriter + ?Sized> RecordWriter for Box<W> {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        (**self).start(header)
    }
    fn write(&mut self, row: &Row, record: &Classification) -> std::io::Result<()> {
        (**self).write(row, record)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        (**self).finish()
    }
    fn renderer(&self) -> Option<Box<dyn RowRenderer>> {
        (**self).renderer()
    }
    fn write_rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (**self).write_rendered(bytes)
    }
}

/// A writer for `format` over `out`. CSV and Markdown cells that a spreadsheet would run as
/// formulas get a leading `'` (see [`writer_with`] to turn that off).
pub fn writer_for<'w>(format: Format, out: Box<dyn Write + 'w>) -> Box<dyn RecordWriter + 'w> {
    writer_with(format, out, false)
}

/// A writer for `format` over `out`; `raw` writes formula-like cells as they are.
pub fn writer_with<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    raw: bool,
) -> Box<dyn RecordWriter + 'w> {
    match format {
        Format::Table => Box::new(TableWriter::new(out)),
        Format::Csv => Box::new(CsvWriter::new(out, raw)),
        Format::Json => Box::new(JsonWriter::new(out, false)),
        Format::Jsonl => Box::new(JsonWriter::new(out, true)),
        Format::Markdown => Box::new(MarkdownWriter::new(out, raw)),
    }
}

/// Rendered decisions kept by a renderer, bounded in count and in bytes: a decision is shared by
/// the records of its pattern and rendered once while it is kept.
pub(crate) struct Memo<T> {
    map: crate::cache::Generations<u64, T>,
    /// Whether new renderings are worth keeping: while one lookup in five finds its decision.
    keep: crate::cache::Gate,
    /// The last rendering not kept.
    spare: Option<T>,
}

impl<T> Memo<T> {
    /// Most decisions kept per generation (see [`crate::cache`]).
    const ENTRIES: usize = 8192;
    /// Most bytes of rendered decisions kept per generation (decisions quoting long cells are
    /// large; the reasons are not in them: see [`Escaped`]).
    const BYTES: usize = 1 << 20;

    pub(crate) fn new() -> Self {
        Memo {
            map: crate::cache::Generations::new(Self::ENTRIES, Self::BYTES),
            keep: crate::cache::Gate::new(1, 4, true),
            spare: None,
        }
    }

    /// The rendering of decision `id`, rendered by `render` (which also says its size in bytes)
    /// when it is not kept.
    pub(crate) fn get(&mut self, id: u64, render: impl FnOnce() -> (T, usize)) -> &T {
        // One lookup for a decision rendered before, one more to keep a new one.
        let (mut made, mut spare) = (false, None);
        let keep = &mut self.keep;
        let kept = self.map.get_or_insert(&id, || {
            made = true;
            let (fresh, size) = render();
            if keep.count(false) {
                return Some((id, fresh, size));
            }
            spare = Some(fresh);
            None
        });
        if !made {
            self.keep.count(true);
        }
        match kept {
            Some(rendered) => rendered,
            None => self.spare.insert(spare.expect("rendered when not kept")),
        }
    }
}

/// The escaped forms of the sentences a renderer writes, kept per renderer (so per thread):
/// decisions share their sentences (see [`crate::engine::Sentences`]), so a record's reasons are
/// written by copying the escaped form of each. Entries are keyed by the sentence's address and
/// hold the sentence, so no other sentence can take that address while its entry lives. At
/// most [`Escaped::ENTRIES`] sentences and [`Escaped::BYTES`] bytes of escaped text are kept;
/// past either, the cache starts over.
pub(crate) struct Escaped {
    map: rustc_hash::FxHashMap<usize, (std::sync::Arc<str>, u32, u32, u8)>,
    arena: Vec<u8>,
}

impl Escaped {
    const ENTRIES: usize = 8192;
    const BYTES: usize = 1 << 20;

    pub(crate) fn new() -> Self {
        Escaped {
            map: rustc_hash::FxHashMap::default(),
            arena: Vec::new(),
        }
    }

    /// The escaped form of `sentence` and the flags `escape` returned with it, made by
    /// `escape` (which appends the form to the buffer it is given) when it is not kept.
    pub(crate) fn get(
        &mut self,
        sentence: &std::sync::Arc<str>,
        escape: impl FnOnce(&str, &mut Vec<u8>) -> u8,
    ) -> (&[u8], u8) {
        let key = std::sync::Arc::as_ptr(sentence).cast::<u8>() as usize;
        if let Some(&(_, start, len, flag)) = self.map.get(&key) {
            return (&self.arena[start as usize..(start + len) as usize], flag);
        }
        // The arena is allocated once, at its bound, and never grows past it (but for one
        // sentence longer than the bound, written alone): an escaped form is at most six times
        // its sentence (a control byte shown as `\u{1b}`).
        if self.map.len() >= Self::ENTRIES
            || self.arena.len() + sentence.len() * 6 > self.arena.capacity()
        {
            self.map.clear();
            self.arena.clear();
        }
        if self.arena.capacity() < Self::BYTES {
            self.arena.reserve_exact(Self::BYTES);
        }
        let start = self.arena.len();
        let flag = escape(sentence, &mut self.arena);
        self.map.insert(
            key,
            (
                std::sync::Arc::clone(sentence),
                start as u32,
                (self.arena.len() - start) as u32,
                flag,
            ),
        );
        (&self.arena[start..], flag)
    }
}

/// `x` with two decimals, as `format!("{x:.2}")` writes it, at the end of `out`. Decisions
/// hold few distinct numbers (scores and confidences are ratios of small counts), so each
/// thread remembers the texts of the numbers it has written.
pub(crate) fn fixed2(out: &mut String, x: f64) {
    use std::cell::RefCell;
    use std::fmt::Write as _;
    thread_local! {
        static TEXTS: RefCell<rustc_hash::FxHashMap<u64, Box<str>>> = RefCell::default();
    }
    TEXTS.with(|texts| {
        let Ok(mut texts) = texts.try_borrow_mut() else {
            let _ = write!(out, "{x:.2}");
            return;
        };
        if let Some(text) = texts.get(&x.to_bits()) {
            out.push_str(text);
            return;
        }
        if texts.len() >= 4096 {
            texts.clear();
        }
        let start = out.len();
        let _ = write!(out, "{x:.2}");
        texts.insert(x.to_bits(), out[start..].into());
    })
}

/// An optional boolean as text: `true`, `false` or empty.
pub(crate) fn opt_bool(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}
