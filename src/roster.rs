//! Reading a roster CSV: the header row, then one [`Row`] per record with its line number and
//! cells. All CSV handling on the input side lives here.
//!
//! Owns: bytes -> cells, header -> vocabulary columns. Must not touch: facts, rules, output.

use std::io::Read;

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
    /// `(first, last)` when the pattern columns are exactly the input columns first..=last.
    pub(crate) pattern_run: Option<(usize, usize)>,
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
        let pattern_columns: Vec<usize> = read_order
            .iter()
            .filter(|&&(_, col)| in_pattern(col))
            .map(|&(i, _)| i)
            .collect();
        let pattern_run = match (pattern_columns.iter().min(), pattern_columns.iter().max()) {
            (Some(&first), Some(&last)) if last - first + 1 == pattern_columns.len() => {
                Some((first, last))
            }
            _ => None,
        };
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
            pattern_run,
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
    /// The cells (invalid UTF-8 replaced, see `problem`), each but the last followed by one
    /// separator byte; for most rows, the line as read.
    text: String,
    /// Where each cell ends in `text`; a cell starts one byte after the end of the one before.
    ends: Vec<usize>,
    /// No cell holds a comma, a double quote or a line break.
    simple: bool,
    /// The byte between cells in `text`.
    separator: u8,
    /// No cell holds the separator: `text` splits back into the cells.
    split: bool,
    /// Why the row could not be read, when it could not: it becomes an `error` record.
    pub problem: Option<String>,
    /// Whether an earlier row has the same id, when the reader of a run checked it; `None`
    /// leaves the check to whoever reads the row's facts.
    pub duplicate_id: Option<bool>,
}

/// A record as parsed, before its UTF-8 is checked: the bytes of the future [`Row::text`].
#[derive(Debug, Default)]
struct Parsed {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    simple: bool,
    separator: u8,
    split: bool,
}

impl Parsed {
    /// Sets the record to `cells`, separated by `separator`.
    fn set<'c>(&mut self, cells: impl Iterator<Item = &'c [u8]>, separator: u8) {
        self.bytes.clear();
        self.ends.clear();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                self.bytes.push(separator);
            }
            self.bytes.extend_from_slice(cell);
            self.ends.push(self.bytes.len());
        }
        let simple = self.cells().all(|cell| {
            memchr::memchr3(b',', b'"', b'\n', cell).is_none()
                && memchr::memchr(b'\r', cell).is_none()
        });
        self.simple = simple;
        self.separator = separator;
        let split = self.cells().all(|cell| !cell.contains(&separator));
        self.split = split;
    }

    fn cells(&self) -> impl Iterator<Item = &[u8]> {
        let bytes = &self.bytes;
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = &bytes[start..end];
            start = end + 1;
            cell
        })
    }
}

impl Row {
    /// A row of `cells` starting on `line`.
    pub fn new<S: AsRef<str>>(line: u64, cells: &[S]) -> Row {
        let mut parsed = Parsed::default();
        parsed.set(cells.iter().map(|c| c.as_ref().as_bytes()), b',');
        // Text cells joined by a comma are text.
        let text = String::from_utf8(parsed.bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Row {
            line,
            text,
            ends: parsed.ends,
            simple: parsed.simple,
            separator: parsed.separator,
            split: parsed.split,
            problem: None,
            duplicate_id: None,
        }
    }

    /// Cell `i`, if the row has it.
    pub fn cell(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        self.text.get(start..end)
    }

    /// How many cells the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cells in order.
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).filter_map(|i| self.cell(i))
    }

    /// Whether no cell holds a comma, a double quote or a line break, known from parsing: a CSV
    /// writer can then copy every cell as it is.
    pub fn simple(&self) -> bool {
        self.simple
    }

    /// All the cells with `separator` between them, when the row holds them so and no cell
    /// holds `separator` (for most rows read from a file delimited by `separator`, the line as
    /// read).
    pub fn joined(&self, separator: u8) -> Option<&str> {
        (self.split && self.separator == separator).then_some(self.text.as_str())
    }

    /// Cells `first` to `last` with their separators between them, when no cell of the row
    /// holds the separator (so that equal spans are equal cells).
    pub fn span(&self, first: usize, last: usize) -> Option<&str> {
        if !self.split || first > last {
            return None;
        }
        let end = *self.ends.get(last)?;
        let start = if first == 0 {
            0
        } else {
            self.ends[first - 1] + 1
        };
        self.text.get(start..end)
    }

    /// Whether some cell starts with one of `bytes`.
    pub fn any_cell_starts_with(&self, bytes: &[u8]) -> bool {
        let text = self.text.as_bytes();
        let mut start = 0;
        for &end in &self.ends {
            if start < end && bytes.contains(&text[start]) {
                return true;
            }
            start = end + 1;
        }
        false
    }
}

/// Appends the position of every `byte` in `text` to `out`, eight bytes at a time.
fn push_positions(text: &[u8], byte: u8, out: &mut Vec<usize>) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let splat = ONES * u64::from(byte);
    let mut at = 0;
    let mut chunks = text.chunks_exact(8);
    for chunk in &mut chunks {
        let word: [u8; 8] = chunk.try_into().unwrap_or_default();
        let x = u64::from_le_bytes(word) ^ splat;
        // High bit set for each zero byte of x (and maybe for a byte above one): candidates.
        let mut found = x.wrapping_sub(ONES) & !x & HIGH;
        while found != 0 {
            let k = (found.trailing_zeros() / 8) as usize;
            if chunk[k] == byte {
                out.push(at + k);
            }
            found &= found - 1;
        }
        at += 8;
    }
    for (k, &b) in chunks.remainder().iter().enumerate() {
        if b == byte {
            out.push(at + k);
        }
    }
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

/// The next record of the input.
enum Next {
    Record(Parsed, u64),
    Failed(u64, String),
    End,
}

/// The bytes of the roster not parsed yet, in a buffer that grows to hold the longest line.
struct Input<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Input<R> {
    /// The unparsed bytes read so far.
    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads more bytes after the unparsed ones. Returns false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Streams the rows of a roster. It reads one record ahead, to tell when the last record holds
/// the rest of the file because a quote was never closed.
///
/// A line with no quote and no lone carriage return (most lines) is split at the delimiter
/// directly; any other record is parsed by csv-core, with the same rules as the csv crate
/// (RFC 4180 quoting; CR, LF and CRLF end a record; blank lines are skipped). Physical line
/// numbers are counted as the bytes are consumed.
pub struct RosterReader<R: Read> {
    input: Input<R>,
    core: csv_core::Reader,
    delimiter: u8,
    /// The physical line of the next unparsed byte.
    line: u64,
    /// Quote characters parsed so far: an odd count at the end means a quote was never closed.
    quotes: u64,
    /// The last line with content parsed so far.
    last_content_line: u64,
    /// Field bytes and ends of a record csv-core parses.
    fields: Vec<u8>,
    ends: Vec<usize>,
    ahead: Option<Next>,
    /// A record buffer to read the next record into (the previous row's), when there is one.
    spare: Option<Parsed>,
    header: Header,
    failed: bool,
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
        let cannot_read = |e: std::io::Error| Error::Roster {
            file: source.to_string(),
            message: format!("cannot read the roster: {e}"),
            help: "check that the file exists and can be read".into(),
        };
        let mut input = Input {
            inner: input,
            buf: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
        };
        // Enough bytes for the header line (or the whole input).
        while !input.eof && memchr::memchr(b'\n', input.data()).is_none() {
            input.fill().map_err(cannot_read)?;
        }
        if input.data().starts_with(b"\xef\xbb\xbf") {
            input.start += 3;
        }
        let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(input.data()));
        let mut reader = RosterReader {
            input,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            delimiter,
            line: 1,
            quotes: 0,
            last_content_line: 1,
            fields: Vec::new(),
            ends: Vec::new(),
            ahead: None,
            spare: None,
            header: Header::new(Vec::new(), rules),
            failed: false,
            done: false,
        };
        let mut record = Parsed::default();
        let got = reader.next_record(&mut record).map_err(|e| Error::Roster {
            file: source.to_string(),
            message: format!("cannot read the header row: {e}"),
            help: "the first line must be a header row naming the columns, e.g. partner_id,partner_name,transacts,earns".into(),
        })?;
        if got.is_none() {
            return Err(Error::Roster {
                file: source.to_string(),
                message: "the roster is empty: there is no header row".into(),
                help: "the first line must be a header row naming the columns, e.g. partner_id,partner_name,transacts,earns".into(),
            });
        }
        let mut names: Vec<String> = record
            .cells()
            .map(|cell| String::from_utf8_lossy(cell).trim().to_string())
            .collect();
        if let Some(first) = names.first_mut()
            && let Some(stripped) = first.strip_prefix('\u{feff}')
        {
            *first = stripped.trim().to_string();
        }
        reader.header = Header::new(names, rules);
        reader.spare = Some(record);
        Ok(reader)
    }

    /// The header row and what each column means.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Parses the next record into `record`; its line, or `None` at the end of the input.
    fn next_record(&mut self, record: &mut Parsed) -> std::io::Result<Option<u64>> {
        // Skip record terminators and blank lines, counting the line feeds.
        loop {
            let data = self.input.data();
            match data.iter().position(|&b| b != b'\n' && b != b'\r') {
                Some(k) => {
                    self.line += memchr::memchr_iter(b'\n', &data[..k]).count() as u64;
                    self.input.start += k;
                    break;
                }
                None => {
                    self.line += memchr::memchr_iter(b'\n', data).count() as u64;
                    self.input.start = self.input.end;
                    if !self.input.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
        let line = self.line;
        self.last_content_line = line;
        // The whole line in the buffer.
        let newline = loop {
            match memchr::memchr(b'\n', self.input.data()) {
                Some(p) => break Some(p),
                None if !self.input.fill()? => break None,
                None => {}
            }
        };
        let data = self.input.data();
        let len = newline.unwrap_or(data.len());
        let mut text = &data[..len];
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        if memchr::memchr2(b'"', b'\r', text).is_some() {
            self.parse_quoted(record)?;
            return Ok(Some(line));
        }
        // The line as it is, and where its cells end.
        record.bytes.clear();
        record.bytes.extend_from_slice(text);
        record.ends.clear();
        push_positions(text, self.delimiter, &mut record.ends);
        record.ends.push(text.len());
        record.simple = self.delimiter == b',' || memchr::memchr(b',', text).is_none();
        record.separator = self.delimiter;
        record.split = true;
        self.input.start += newline.map_or(len, |p| p + 1);
        if newline.is_some() {
            self.line += 1;
        }
        Ok(Some(line))
    }

    /// Parses one record with csv-core, from its first byte, across lines and buffer refills.
    fn parse_quoted(&mut self, record: &mut Parsed) -> std::io::Result<()> {
        use csv_core::ReadRecordResult;
        self.core.reset();
        if self.fields.is_empty() {
            self.fields.resize(1024, 0);
            self.ends.resize(64, 0);
        }
        let (mut nout, mut nend) = (0, 0);
        loop {
            let data = &self.input.buf[self.input.start..self.input.end];
            let (result, nin, out, ends) =
                self.core
                    .read_record(data, &mut self.fields[nout..], &mut self.ends[nend..]);
            let used = &data[..nin];
            self.quotes += memchr::memchr_iter(b'"', used).count() as u64;
            if let Some(last) = used.iter().rposition(|&b| b != b'\n' && b != b'\r') {
                self.last_content_line =
                    self.line + memchr::memchr_iter(b'\n', &used[..last]).count() as u64;
            }
            self.line += memchr::memchr_iter(b'\n', used).count() as u64;
            self.input.start += nin;
            nout += out;
            nend += ends;
            match result {
                ReadRecordResult::InputEmpty => {
                    // At the end, an empty input tells csv-core to finish the record.
                    self.input.fill()?;
                }
                ReadRecordResult::OutputFull => {
                    let n = self.fields.len() * 2;
                    self.fields.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        let fields = &self.fields;
        let mut from = 0;
        let cells = self.ends[..nend].iter().map(|&end| {
            let cell = &fields[from..end];
            from = end;
            cell
        });
        record.set(cells, self.delimiter);
        Ok(())
    }

    fn fetch(&mut self) -> Next {
        if self.failed {
            return Next::End;
        }
        let mut record = self.spare.take().unwrap_or_default();
        match self.next_record(&mut record) {
            Ok(Some(line)) => Next::Record(record, line),
            Ok(None) => Next::End,
            Err(e) => {
                // A reader that failed will not make progress: this row, then the end.
                self.failed = true;
                let line = self.line;
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
                row.text.clear();
                row.ends.clear();
                row.simple = true;
                row.split = true;
                row.problem = Some(message);
                return true;
            }
            Next::Record(record, line) => (record, line),
        };
        row.line = line;
        // The row's previous buffers become the ones the record after this one is read into.
        self.spare = Some(Parsed {
            bytes: std::mem::take(&mut row.text).into_bytes(),
            ends: std::mem::take(&mut row.ends),
            simple: true,
            separator: b',',
            split: true,
        });
        // One validation for the whole record; the cells are then used where they were parsed.
        row.simple = record.simple;
        row.separator = record.separator;
        row.split = record.split;
        match String::from_utf8(record.bytes) {
            Ok(text) => {
                row.text = text;
                row.ends = record.ends;
            }
            Err(e) => {
                let record = Parsed {
                    bytes: e.into_bytes(),
                    ..record
                };
                let bad = record
                    .cells()
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
                let cells: Vec<String> = record
                    .cells()
                    .map(|cell| String::from_utf8_lossy(cell).into_owned())
                    .collect();
                let lossy = Row::new(line, &cells);
                row.text = lossy.text;
                row.ends = lossy.ends;
                row.simple = lossy.simple;
                row.separator = lossy.separator;
                row.split = lossy.split;
            }
        }
        let next = self.fetch();
        let last = matches!(next, Next::End);
        self.ahead = Some(next);
        let (quotes, end_line) = (self.quotes, self.last_content_line);
        if last && quotes % 2 == 1 && row.cells().any(|cell| cell.contains('\n')) {
            row.problem = Some(format!(
                "line {line}: a quoted cell opened in this row is never closed, so the rest of the file (to line {end_line}) was read into it; close the quote, or remove the stray \", and run again"
            ));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn positions_are_those_of_a_plain_scan(
            text in proptest::collection::vec(prop_oneof![Just(b','), Just(0x2du8), Just(0x01), any::<u8>()], 0..80),
            byte in prop_oneof![Just(b','), Just(b';'), Just(b'\t'), any::<u8>()],
        ) {
            let mut fast = Vec::new();
            super::push_positions(&text, byte, &mut fast);
            let plain: Vec<usize> = text.iter().enumerate().filter(|&(_, &b)| b == byte).map(|(i, _)| i).collect();
            prop_assert_eq!(fast, plain);
        }
    }
}
