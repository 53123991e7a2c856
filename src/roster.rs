//! Reading a roster CSV: the header row, then one [`Row`] per record with its line number and
//! cells. All CSV handling on the input side lives here.
//!
//! Owns: bytes -> cells, header -> vocabulary columns. Must not touch: facts, rules, output.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

use crate::error::Error;
use crate::rules::{ColumnKind, FactId, RuleSet};

/// What each input column is to the engine.
#[derive(Debug, Clone)]
pub struct Header {
    /// The header cells as written (a leading byte-order mark removed).
    pub names: Vec<String>,
    /// For each input column, the vocabulary column it maps to; `None` for a column the
    /// vocabulary does not know (carried through) or a second column mapping to the same name.
    pub(crate) uses: Vec<Option<usize>>,
    /// Facts the rules read that no input column provides.
    pub(crate) missing_facts: Vec<FactId>,
    /// Whether some column maps to the record key.
    pub(crate) has_id: bool,
    /// The input column holding the record key, if any.
    pub(crate) id_column: Option<usize>,
    /// The input columns that make a row's pattern (declared role and facts), in read order.
    pub(crate) pattern_columns: Vec<usize>,
    /// The entries of `read_order` that are not in the pattern (the key and the name).
    pub(crate) key_columns: Vec<(usize, usize)>,
    /// Problems with the header itself (duplicate columns), repeated on every record.
    pub(crate) warnings: Vec<String>,
    /// (input column, vocabulary column) for every mapped column, in vocabulary order, so a
    /// record reads the same whatever the order of the roster's columns.
    pub(crate) read_order: Vec<(usize, usize)>,
}

impl Header {
    /// Maps header cells to the vocabulary of `rules`.
    pub fn new(names: Vec<String>, rules: &RuleSet) -> Header {
        let mut uses = Vec::with_capacity(names.len());
        let mut taken: Vec<Option<usize>> = vec![None; rules.columns.len()];
        let mut warnings = Vec::new();
        for (i, name) in names.iter().enumerate() {
            match rules.column_for_header(name) {
                Some(col) => match taken[col] {
                    Some(first) => {
                        warnings.push(format!(
                            "columns {} ({:?}) and {} ({:?}) both mean `{}`; the second is carried through unread",
                            first + 1,
                            names[first],
                            i + 1,
                            name,
                            rules.columns[col].name
                        ));
                        uses.push(None);
                    }
                    None => {
                        taken[col] = Some(i);
                        uses.push(Some(col));
                    }
                },
                None => uses.push(None),
            }
        }
        let read_by_rules = rules.rules.iter().fold(0u64, |acc, r| acc | r.reads);
        let missing_facts = rules
            .columns
            .iter()
            .enumerate()
            .filter_map(|(ci, c)| c.fact.filter(|_| taken[ci].is_none()))
            .filter(|f| read_by_rules & (1u64 << f) != 0)
            .collect();
        let id_column = rules
            .columns
            .iter()
            .enumerate()
            .find_map(|(ci, c)| taken[ci].filter(|_| c.kind == ColumnKind::Id));
        let has_id = id_column.is_some();
        let mut read_order: Vec<(usize, usize)> = uses
            .iter()
            .enumerate()
            .filter_map(|(i, u)| u.map(|col| (i, col)))
            .collect();
        read_order.sort_by_key(|&(_, col)| col);
        let in_pattern = |col: usize| {
            !matches!(
                rules.columns[col].kind,
                ColumnKind::Id | ColumnKind::Name | ColumnKind::Text
            )
        };
        let pattern_columns = read_order
            .iter()
            .filter(|&&(_, col)| in_pattern(col))
            .map(|&(i, _)| i)
            .collect();
        let key_columns = read_order
            .iter()
            .copied()
            .filter(|&(_, col)| {
                matches!(rules.columns[col].kind, ColumnKind::Id | ColumnKind::Name)
            })
            .collect();
        Header {
            names,
            read_order,
            uses,
            missing_facts,
            has_id,
            id_column,
            pattern_columns,
            key_columns,
            warnings,
        }
    }
}

/// One data row of the roster.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// The cells as text (invalid UTF-8 replaced, see `problem`), as parsed: not copied.
    cells: csv::StringRecord,
    /// Why the row could not be read, when it could not: it becomes an `error` record.
    pub problem: Option<String>,
    /// Whether an earlier row has the same id, when the reader of a run checked it; `None`
    /// leaves the check to whoever reads the row's facts.
    pub duplicate_id: Option<bool>,
}

impl Row {
    /// A row of `cells` starting on `line`.
    pub fn new<S: AsRef<str>>(line: u64, cells: &[S]) -> Row {
        Row {
            line,
            cells: cells.iter().map(AsRef::as_ref).collect(),
            problem: None,
            duplicate_id: None,
        }
    }

    /// Cell `i`, if the row has it.
    pub fn cell(&self, i: usize) -> Option<&str> {
        self.cells.get(i)
    }

    /// How many cells the row has.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cells in order.
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        self.cells.iter()
    }

    /// All cells' text run together, with nothing between them: one pass over it answers a
    /// question about every cell (such as whether any needs quoting).
    pub fn text(&self) -> &str {
        self.cells.as_slice()
    }
}

/// Physical line numbers. The csv crate stamps a record with the position where its read began,
/// before it skips the `\n` of a CRLF or any blank lines, so its line numbers drift. This reader
/// sits under the csv reader and notes, for every line that has content, the byte offset where
/// that content starts and its line number; a record's line is then the line of the first
/// content at or after the csv byte position. Only the window the csv reader has buffered ahead
/// is kept.
struct LineTracker<R> {
    inner: R,
    offset: u64,
    line: u64,
    after_terminator: bool,
    last_content_line: u64,
    starts: Rc<RefCell<VecDeque<(u64, u64)>>>,
    /// Quote characters seen so far and the line reached, shared with the reader: an odd count
    /// at the end of the file means a quoted cell was never closed.
    seen: Rc<std::cell::Cell<(u64, u64)>>,
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let quotes = memchr::memchr_iter(b'"', data).count() as u64;
        let mut starts = self.starts.borrow_mut();
        let mut i = 0;
        while i < n {
            if self.after_terminator {
                // Skip the terminator run (and blank lines), counting the line feeds.
                while i < n && matches!(data[i], b'\n' | b'\r') {
                    self.line += u64::from(data[i] == b'\n');
                    i += 1;
                }
                if i == n {
                    break;
                }
                starts.push_back((self.offset + i as u64, self.line));
                self.last_content_line = self.line;
                self.after_terminator = false;
            }
            match memchr::memchr(b'\n', &data[i..]) {
                Some(p) => {
                    i += p + 1;
                    self.line += 1;
                    self.after_terminator = true;
                }
                None => i = n,
            }
        }
        self.offset += n as u64;
        let (before, _) = self.seen.get();
        self.seen.set((before + quotes, self.last_content_line));
        Ok(n)
    }
}

/// The line of the first content at or after byte `at`, dropping the notes before it.
fn line_at(starts: &RefCell<VecDeque<(u64, u64)>>, at: u64) -> Option<u64> {
    let mut starts = starts.borrow_mut();
    while starts.front().is_some_and(|&(offset, _)| offset < at) {
        starts.pop_front();
    }
    starts.front().map(|&(_, line)| line)
}

/// The delimiter of a roster from its first line: the most frequent of comma, semicolon and
/// tab outside quotes (Excel writes semicolons in many locales), comma when none appears.
pub fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|&b| b == b'\n').next().unwrap_or(start);
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if b == *d {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// The next record of the csv reader.
enum Next {
    Record(csv::ByteRecord, u64),
    Failed(u64, String),
    End,
}

/// Streams the rows of a roster. It reads one record ahead, to tell when the last record holds
/// the rest of the file because a quote was never closed.
pub struct RosterReader<R: Read> {
    reader: csv::Reader<LineTracker<std::io::BufReader<R>>>,
    seen: Rc<std::cell::Cell<(u64, u64)>>,
    ahead: Option<Next>,
    /// A record buffer to read the next record into (the previous row's), when there is one.
    spare: Option<csv::ByteRecord>,
    starts: Rc<RefCell<VecDeque<(u64, u64)>>>,
    header: Header,
    last_error_at: Option<u64>,
    done: bool,
}

impl<R: Read> RosterReader<R> {
    /// Reads the header row from `input`; `source` names the input in errors.
    /// `delimiter` `None` detects it from the header line (comma, semicolon or tab).
    pub fn new(
        input: R,
        source: &str,
        rules: &RuleSet,
        delimiter: Option<u8>,
    ) -> Result<Self, Error> {
        let mut input = std::io::BufReader::with_capacity(1 << 16, input);
        let delimiter = match delimiter {
            Some(d) => d,
            None => {
                use std::io::BufRead;
                let peek = input.fill_buf().map_err(|e| Error::Roster {
                    file: source.to_string(),
                    message: format!("cannot read the roster: {e}"),
                    help: "check that the file exists and can be read".into(),
                })?;
                sniff_delimiter(peek)
            }
        };
        let starts = Rc::new(RefCell::new(VecDeque::new()));
        let seen = Rc::new(std::cell::Cell::new((0, 1)));
        let tracker = LineTracker {
            inner: input,
            offset: 0,
            line: 1,
            after_terminator: true,
            last_content_line: 1,
            starts: Rc::clone(&starts),
            seen: Rc::clone(&seen),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(tracker);
        let mut record = csv::ByteRecord::new();
        let got = reader.read_byte_record(&mut record).map_err(|e| Error::Roster {
            file: source.to_string(),
            message: format!("cannot read the header row: {e}"),
            help: "the first line must be a header row naming the columns, e.g. partner_id,partner_name,transacts,earns".into(),
        })?;
        if !got {
            return Err(Error::Roster {
                file: source.to_string(),
                message: "the roster is empty: there is no header row".into(),
                help: "the first line must be a header row naming the columns, e.g. partner_id,partner_name,transacts,earns".into(),
            });
        }
        let mut names: Vec<String> = record
            .iter()
            .map(|cell| String::from_utf8_lossy(cell).trim().to_string())
            .collect();
        if let Some(first) = names.first_mut()
            && let Some(stripped) = first.strip_prefix('\u{feff}')
        {
            *first = stripped.trim().to_string();
        }
        let header = Header::new(names, rules);
        Ok(RosterReader {
            reader,
            seen,
            ahead: None,
            spare: Some(record),
            starts,
            header,
            last_error_at: None,
            done: false,
        })
    }

    fn line_of(&self, position: Option<&csv::Position>) -> u64 {
        position
            .and_then(|p| line_at(&self.starts, p.byte()).or(Some(p.line())))
            .unwrap_or(0)
    }

    /// The header row and what each column means.
    pub fn header(&self) -> &Header {
        &self.header
    }

    fn fetch(&mut self) -> Next {
        let mut record = self.spare.take().unwrap_or_default();
        match self.reader.read_byte_record(&mut record) {
            Ok(false) => Next::End,
            Ok(true) => {
                let line = self.line_of(record.position());
                Next::Record(record, line)
            }
            Err(e) => {
                let line = self.line_of(e.position());
                // A reader that fails twice at the same place will not make progress.
                if self.last_error_at == Some(line) {
                    return Next::End;
                }
                self.last_error_at = Some(line);
                Next::Failed(line, format!("line {line}: the row cannot be read: {e}"))
            }
        }
    }

    /// Reads the next row into `row` (reusing its buffers). Returns false at the end.
    pub fn read_row(&mut self, row: &mut Row) -> bool {
        if self.done {
            return false;
        }
        row.problem = None;
        row.duplicate_id = None;
        let current = match self.ahead.take() {
            Some(next) => next,
            None => self.fetch(),
        };
        let (record, line) = match current {
            Next::End => {
                self.done = true;
                return false;
            }
            Next::Failed(line, message) => {
                row.line = line;
                row.cells.clear();
                row.problem = Some(message);
                return true;
            }
            Next::Record(record, line) => (record, line),
        };
        row.line = line;
        // One validation for the whole record; the cells are then used where they were parsed.
        let cells = match csv::StringRecord::from_byte_record(record) {
            Ok(cells) => cells,
            Err(e) => {
                let record = e.into_byte_record();
                let bad = record
                    .iter()
                    .position(|cell| std::str::from_utf8(cell).is_err())
                    .unwrap_or(0);
                let name = self
                    .header
                    .names
                    .get(bad)
                    .map(String::as_str)
                    .unwrap_or("?");
                row.problem = Some(format!(
                    "line {}, column {} ({name}): the cell is not valid UTF-8; save the roster as UTF-8 and run again",
                    row.line,
                    bad + 1
                ));
                record
                    .iter()
                    .map(|cell| String::from_utf8_lossy(cell))
                    .collect()
            }
        };
        // The row's previous cells become the buffer the record after this one is read into.
        let previous = std::mem::replace(&mut row.cells, cells);
        self.spare = Some(previous.into_byte_record());
        let next = self.fetch();
        let last = matches!(next, Next::End);
        self.ahead = Some(next);
        let record = &row.cells;
        let (quotes, end_line) = self.seen.get();
        if last && quotes % 2 == 1 && record.iter().any(|cell| cell.contains('\n')) {
            row.problem = Some(format!(
                "line {line}: a quoted cell opened in this row is never closed, so the rest of the file (to line {end_line}) was read into it; close the quote, or remove the stray \", and run again"
            ));
        }
        true
    }
}
