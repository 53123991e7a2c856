//! Reading a roster CSV: the header row, then one [`Row`] per record with its line number and
//! cells. All CSV handling on the input side lives here.
//!
//! Owns: bytes -> cells, the header row's names. Must not touch: facts, rules, output.

use std::io::Read;

use crate::error::Error;

/// The header row: the input's column names, and what reading it showed.
#[derive(Debug, Clone)]
pub struct Header {
    /// The header cells, made unique for outputs (a leading byte-order mark removed).
    pub names: Vec<String>,
    /// The header cells as written (trimmed), before they were made unique: what the
    /// vocabulary's aliases are matched against.
    pub(crate) written: Vec<String>,
    /// Problems with the header itself (repeated or empty names, invalid UTF-8), repeated on
    /// every record.
    pub(crate) warnings: Vec<String>,
    /// The sheet's name when the roster is a spreadsheet (rows are then named `Sheet!row`).
    pub(crate) sheet: Option<String>,
    /// For each input column, whether no rule reads it (it is carried through to the outputs
    /// unread). Set by the facts layer when it maps the header to the rules' columns
    /// ([`crate::facts::ColumnMap`]); all true until then.
    pub(crate) carried: Vec<bool>,
    /// Whether some column holds the record key. Set by the facts layer like `carried`.
    pub(crate) has_id: bool,
}

impl Header {
    /// The header of a roster with these column names (as written).
    pub fn new(names: Vec<String>) -> Header {
        let mut warnings = Vec::new();
        let written = names.clone();
        let names = unique_names(names, &mut warnings);
        Header {
            carried: vec![true; names.len()],
            names,
            written,
            warnings,
            sheet: None,
            has_id: false,
        }
    }

    /// How messages name the row that starts on `line`: `line 12`, or `Partners!12` for a
    /// spreadsheet.
    pub(crate) fn location(&self, line: u64) -> String {
        match &self.sheet {
            Some(sheet) => format!("{sheet}!{line}"),
            None => format!("line {line}"),
        }
    }
}

/// Header names made unique for outputs (a JSON object cannot have two keys `x`, a CSV reader
/// keyed by header loses one of two columns `x`): an empty name becomes `column_N`, a repeated
/// one `x_2`, `x_3`, .... One warning names the first few renames and counts the rest (every
/// record carries the header's warnings). The names were mapped to the vocabulary before.
fn unique_names(names: Vec<String>, warnings: &mut Vec<String>) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = names.iter().cloned().collect();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Next suffix to try for each base name: linear in the number of columns.
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut renamed = Vec::new();
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.into_iter().enumerate() {
        if !name.is_empty() && seen.insert(name.clone()) {
            out.push(name);
            continue;
        }
        let base = if name.is_empty() {
            "column".to_string()
        } else {
            name.clone()
        };
        let n = next
            .entry(base.clone())
            .or_insert(if name.is_empty() { i + 1 } else { 2 });
        let mut candidate = format!("{base}_{n}");
        while taken.contains(&candidate) {
            *n += 1;
            candidate = format!("{base}_{n}");
        }
        *n += 1;
        taken.insert(candidate.clone());
        seen.insert(candidate.clone());
        renamed.push(if name.is_empty() {
            format!("column {} (no name) as {candidate}", i + 1)
        } else {
            format!(
                "column {} (a repeated {:?}) as {candidate}",
                i + 1,
                crate::sanitize::visible(&name)
            )
        });
        out.push(candidate);
    }
    if !renamed.is_empty() {
        const SHOWN: usize = 3;
        let more = renamed.len().saturating_sub(SHOWN);
        warnings.push(format!(
            "header names are missing or repeated; outputs call {}{}",
            renamed[..renamed.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(", and {more} more columns likewise")
            } else {
                String::new()
            }
        ));
    }
    out
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
    /// No cell holds a comma, a double quote, a line break or a control or bidirectional
    /// character (see `sanitize::visible`).
    needs_no_quoting: bool,
    /// The byte between cells in `text`.
    separator: u8,
    /// No cell holds the separator: `text` splits back into the cells.
    separator_free: bool,
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
    needs_no_quoting: bool,
    separator: u8,
    separator_free: bool,
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
        let needs_no_quoting = self
            .cells()
            .all(|cell| memchr::memchr3(b',', b'"', b'\n', cell).is_none() && plain_bytes(cell));
        self.needs_no_quoting = needs_no_quoting;
        self.separator = separator;
        let separator_free = self.cells().all(|cell| !cell.contains(&separator));
        self.separator_free = separator_free;
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
            needs_no_quoting: parsed.needs_no_quoting,
            separator: parsed.separator,
            separator_free: parsed.separator_free,
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

    /// The bytes of the row's cells.
    pub fn byte_len(&self) -> usize {
        self.text.len()
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

    /// Whether no cell holds a comma, a double quote, a line break or a control or
    /// bidirectional character, known from parsing: a CSV writer can then copy every cell as it
    /// is (but for a formula's first character).
    pub fn needs_no_quoting(&self) -> bool {
        self.needs_no_quoting
    }

    /// All the cells with `separator` between them, when the row holds them so and no cell
    /// holds `separator` (for most rows read from a file delimited by `separator`, the line as
    /// read).
    pub fn joined(&self, separator: u8) -> Option<&str> {
        (self.separator_free && self.separator == separator).then_some(self.text.as_str())
    }

    /// Cells `first` to `last` with their separators between them, when no cell of the row
    /// holds the separator (so that equal spans are equal cells).
    pub fn span(&self, first: usize, last: usize) -> Option<&str> {
        if !self.separator_free || first > last {
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

/// Bounds on one record of a roster, so that a stray quote or a file with no line breaks costs
/// an `error` record, not the memory of the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes one record (the header row included) may take.
    pub record_bytes: usize,
    /// Most physical lines one record may span (a quoted cell with line breaks).
    pub record_lines: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            record_bytes: 1 << 20,
            record_lines: 100,
        }
    }
}

/// The next record of the input.
enum Next {
    Record(Parsed, u64),
    /// A record that cannot be read: its line, why, and the cells of its first line when they
    /// are worth showing (they hold the id and name of the row a stray quote broke).
    Failed(u64, String, Option<Parsed>),
    End,
}

/// A UTF-16 roster decoded to UTF-8: the bytes read to sniff its encoding, then the rest.
type Utf16Reader<R> =
    encoding_rs_io::DecodeReaderBytes<std::io::Chain<std::io::Cursor<Vec<u8>>, R>, Vec<u8>>;

/// Where the roster's bytes come from: as they are, or decoded from UTF-16 to UTF-8 (a roster
/// that starts with a UTF-16 byte-order mark, as some spreadsheet exports are).
enum Source<R> {
    Plain(R),
    Utf16(Box<Utf16Reader<R>>),
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Utf16(r) => r.read(buf),
        }
    }
}

/// The bytes of the roster not parsed yet, in a buffer that grows (by doubling) to hold the
/// longest record, at most [`Limits::record_bytes`] and a read.
struct Input<R> {
    inner: Source<R>,
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

    /// Reads more bytes after the unparsed ones (which keep their offsets from `start`).
    /// Returns false at the end of the input.
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

    /// The byte at offset `i` of the unparsed data, reading more if needed; `None` at the end.
    fn byte_at(&mut self, i: usize) -> std::io::Result<Option<u8>> {
        while i >= self.end - self.start {
            if !self.fill()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.start + i]))
    }

    /// Drops bytes up to and including the next line break (LF, CRLF or a lone CR), reading
    /// and dropping as it goes so that a line of any length costs no memory. Returns false when
    /// the input ended first.
    fn skip_line(&mut self) -> std::io::Result<bool> {
        loop {
            if let Some(p) = memchr::memchr2(b'\n', b'\r', self.data()) {
                let cr = self.data()[p] == b'\r';
                self.start += p + 1;
                if cr && self.byte_at(0)? == Some(b'\n') {
                    self.start += 1;
                }
                return Ok(true);
            }
            self.start = self.end;
            if !self.fill()? {
                return Ok(false);
            }
        }
    }
}

/// Where a record ends, found before it is parsed.
enum Scan {
    /// A record of `len` bytes, then a terminator of `term` bytes (0 at the end of the input),
    /// with `breaks` physical line breaks inside it. `quoted`: some cell is quoted.
    Record {
        len: usize,
        term: usize,
        breaks: u64,
        quoted: bool,
    },
    /// A quoted cell that does not end where a record should: never closed, open over too many
    /// lines, or open over lines that read like rows. The record is reported and reading
    /// resumes on the line after the one the quote opened on (`first_line` bytes from here).
    OpenQuote {
        column: usize,
        first_line: usize,
        why: String,
    },
    /// The record holds more than [`Limits::record_bytes`] before it ends.
    TooLong { first_line: Option<usize> },
}

/// The states of the record scanner, as csv-core's: RFC 4180 quoting, a quote inside an
/// unquoted cell is a character, and anything after a closing quote joins the cell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    CellStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Streams the rows of a roster.
///
/// Each record is first scanned to where it ends (quotes, line breaks, the limits), then a line
/// with no quote is split at the delimiter directly and any other record is parsed by csv-core
/// (RFC 4180 quoting; CR, LF and CRLF end a record; blank lines are skipped). Physical line
/// numbers, lone CRs included, are counted as the bytes are consumed. A quoted cell that does
/// not close where a record should becomes an `error` record, and reading resumes on the next
/// line, so one stray quote loses no other row.
pub struct RosterReader<R: Read> {
    input: Input<R>,
    core: csv_core::Reader,
    delimiter: u8,
    limits: Limits,
    /// The physical line of the next unparsed byte.
    line: u64,
    /// Field bytes and ends of a record csv-core parses.
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// A record buffer to read the next record into (the previous row's), when there is one.
    spare: Option<Parsed>,
    header: Header,
    failed: bool,
    done: bool,
    /// For a spreadsheet converted to CSV: the sheet row of each record, and how many data
    /// records were read so far.
    sheet: Option<(std::sync::Arc<crate::sheet::SheetRows>, usize)>,
}

/// `input` decoded to UTF-8 when it starts with a UTF-16 byte-order mark (and not a UTF-32 one,
/// which is refused later); else `input` as it is.
fn decode_utf16<R: Read>(input: Input<R>) -> Input<R> {
    let data = input.data();
    let utf16 = (data.starts_with(&[0xff, 0xfe]) && !data.starts_with(&[0xff, 0xfe, 0, 0]))
        || data.starts_with(&[0xfe, 0xff]);
    let Source::Plain(inner) = input.inner else {
        return input;
    };
    if !utf16 {
        return Input {
            inner: Source::Plain(inner),
            ..input
        };
    }
    let read = std::io::Cursor::new(input.buf[input.start..input.end].to_vec());
    let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .bom_sniffing(true)
        .strip_bom(true)
        .build(read.chain(inner));
    Input {
        inner: Source::Utf16(Box::new(decoder)),
        buf: vec![0; 1 << 16],
        start: 0,
        end: 0,
        eof: false,
    }
}

/// How the first bytes of a roster say it is encoded.
fn encoding_problem(start: &[u8]) -> Option<&'static str> {
    if start.starts_with(&[0xff, 0xfe, 0, 0]) || start.starts_with(&[0, 0, 0xfe, 0xff]) {
        return Some("the roster is UTF-32 (it starts with a UTF-32 byte-order mark)");
    }
    let line = start.split(|&b| b == b'\n').next().unwrap_or(start);
    if line.contains(&0) {
        return Some(
            "the header row holds NUL bytes: the roster is binary, or UTF-16 or UTF-32 without a byte-order mark",
        );
    }
    None
}

impl<R: Read> RosterReader<R> {
    /// Reads the header row from `input`; `source` names the input in errors.
    /// `delimiter` `None` detects it from the header line (comma, semicolon or tab).
    pub fn new(input: R, source: &str, delimiter: Option<u8>) -> Result<Self, Error> {
        Self::with_limits(input, source, delimiter, Limits::default())
    }

    /// Like [`RosterReader::new`], with `limits` on one record.
    pub fn with_limits(
        input: R,
        source: &str,
        delimiter: Option<u8>,
        limits: Limits,
    ) -> Result<Self, Error> {
        let failure = |message: String, help: &str| Error::Roster {
            file: source.to_string(),
            message,
            help: help.to_string(),
        };
        let header_help = "the first line must be a header row naming the columns, e.g. partner_id,partner_name,transacts,earns";
        let cannot_read = |e: std::io::Error| {
            failure(
                format!("cannot read the roster: {e}"),
                "check that the file exists and can be read",
            )
        };
        let mut input = Input {
            inner: Source::Plain(input),
            buf: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
        };
        while !input.eof && input.end < 4 {
            input.fill().map_err(cannot_read)?;
        }
        input = decode_utf16(input);
        // Enough bytes for the header line (or the whole input, or the record limit).
        while !input.eof
            && input.end < limits.record_bytes
            && memchr::memchr(b'\n', input.data()).is_none()
        {
            input.fill().map_err(cannot_read)?;
        }
        if input.data().starts_with(b"\xef\xbb\xbf") {
            input.start += 3;
        }
        if let Some(problem) = encoding_problem(input.data()) {
            return Err(failure(
                problem.to_string(),
                "save the roster as CSV UTF-8 (in Excel: Save As > CSV UTF-8) and run again",
            ));
        }
        let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(input.data()));
        let mut reader = RosterReader {
            input,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            delimiter,
            limits,
            line: 1,
            fields: Vec::new(),
            ends: Vec::new(),
            spare: None,
            header: Header::new(Vec::new()),
            failed: false,
            done: false,
            sheet: None,
        };
        let mut record = Parsed::default();
        let got = match reader.next_record(&mut record) {
            Ok(got) => got,
            Err(e) => {
                return Err(failure(
                    format!("cannot read the header row: {e}"),
                    header_help,
                ));
            }
        };
        let line = match got {
            None => {
                return Err(failure(
                    "the roster is empty: there is no header row".into(),
                    header_help,
                ));
            }
            Some(Err(message)) => {
                // No row comes after a header that cannot be read: drop what the message says
                // about reading on.
                let message = message
                    .split(". The row is not read")
                    .next()
                    .and_then(|m| m.split("; it is not read").next())
                    .unwrap_or(&message)
                    .to_string();
                return Err(failure(
                    format!("the header row cannot be read: {message}"),
                    header_help,
                ));
            }
            Some(Ok(line)) => line,
        };
        let mut names = Vec::new();
        let mut warnings = Vec::new();
        for (i, cell) in record.cells().enumerate() {
            let name = String::from_utf8_lossy(cell);
            if matches!(name, std::borrow::Cow::Owned(_)) {
                warnings.push(format!(
                    "line {line}, column {}: the header is not valid UTF-8 and is read as {:?}; save the roster as UTF-8",
                    i + 1,
                    crate::sanitize::visible(&name)
                ));
            }
            names.push(name.trim().to_string());
        }
        if let Some(first) = names.first_mut()
            && let Some(stripped) = first.strip_prefix('\u{feff}')
        {
            *first = stripped.trim().to_string();
        }
        reader.header = Header::new(names);
        reader.header.warnings.extend(warnings);
        reader.spare = Some(record);
        Ok(reader)
    }

    /// Numbers rows by `sheet` (the roster is a spreadsheet converted to CSV, see
    /// [`crate::sheet`]): a record's line is its sheet row, and messages say `Sheet!row`.
    pub fn set_sheet(&mut self, sheet: std::sync::Arc<crate::sheet::SheetRows>) {
        self.header.sheet = Some(sheet.name.clone());
        self.sheet = Some((sheet, 0));
    }

    /// The sheet row of the next data record, when the roster is a spreadsheet.
    fn sheet_line(&mut self, line: u64) -> u64 {
        match &mut self.sheet {
            Some((rows, read)) => {
                *read += 1;
                rows.rows.get(*read).copied().unwrap_or(line)
            }
            None => line,
        }
    }

    /// The header row.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Skips record terminators and blank lines, counting the line breaks. Returns false at the
    /// end of the input.
    fn skip_blank_lines(&mut self) -> std::io::Result<bool> {
        loop {
            let data = self.input.data();
            let (k, done) = match data.iter().position(|&b| b != b'\n' && b != b'\r') {
                Some(k) => (k, true),
                None => (data.len(), false),
            };
            // A CR at the end of the bytes read so far may start a CRLF: leave it for later.
            let k = if !done && k > 0 && data[k - 1] == b'\r' && !self.input.eof {
                k - 1
            } else {
                k
            };
            self.line += line_breaks(&data[..k]);
            self.input.start += k;
            if done {
                return Ok(true);
            }
            if !self.input.fill()? && self.input.data().is_empty() {
                return Ok(false);
            }
        }
    }

    /// Finds where the record at the start of the input ends, reading as needed, without
    /// consuming it. Most records are one line with no quote and no CR: found with one memchr.
    fn scan(&mut self) -> std::io::Result<Scan> {
        let mut searched = 0;
        loop {
            let data = self.input.data();
            if let Some(p) = memchr::memchr3(b'\n', b'"', b'\r', &data[searched..]) {
                let at = searched + p;
                if data[at] == b'\n' && at <= self.limits.record_bytes {
                    return Ok(Scan::Record {
                        len: at,
                        term: 1,
                        breaks: 0,
                        quoted: false,
                    });
                }
                // A quote or a CR: the careful scan.
                return self.scan_quoted();
            }
            searched = data.len();
            if searched > self.limits.record_bytes {
                return self.scan_quoted();
            }
            if !self.input.fill()? {
                let len = self.input.data().len();
                return Ok(Scan::Record {
                    len,
                    term: 0,
                    breaks: 0,
                    quoted: false,
                });
            }
        }
    }

    /// The careful scan of a record that holds a quote or a CR, byte by byte through the
    /// states of csv-core.
    fn scan_quoted(&mut self) -> std::io::Result<Scan> {
        let delimiter = self.delimiter;
        let width = self.header.names.len();
        let mut state = State::CellStart;
        let (mut column, mut quote_column) = (0usize, 0usize);
        let mut breaks = 0u64;
        // Line breaks inside the quoted cell being read.
        let mut cell_breaks = 0u64;
        let mut quoted = false;
        let mut first_line: Option<usize> = None;
        // Inside a quoted cell: whether the current physical line started inside it, and the
        // delimiters on that line (a whole line inside a quote that has as many delimiters as
        // a row reads like a row: the quote is probably missing its end).
        let (mut line_in_quote, mut line_delimiters) = (false, 0usize);
        let mut i = 0;
        loop {
            if i > self.limits.record_bytes {
                return Ok(Scan::TooLong { first_line });
            }
            let Some(b) = self.input.byte_at(i)? else {
                return Ok(match state {
                    State::Quoted => Scan::OpenQuote {
                        column: quote_column,
                        first_line: first_line.unwrap_or(i),
                        why: "is never closed: the file ends inside it".into(),
                    },
                    _ => Scan::Record {
                        len: i,
                        term: 0,
                        breaks,
                        quoted,
                    },
                });
            };
            let is_break = b == b'\n' || b == b'\r';
            match state {
                State::CellStart | State::Unquoted | State::QuoteInQuoted if is_break => {
                    let crlf = b == b'\r' && self.input.byte_at(i + 1)? == Some(b'\n');
                    return Ok(Scan::Record {
                        len: i,
                        term: if crlf { 2 } else { 1 },
                        breaks,
                        quoted,
                    });
                }
                State::CellStart | State::Unquoted | State::QuoteInQuoted if b == delimiter => {
                    state = State::CellStart;
                    column += 1;
                    // The line no longer lies wholly inside one quoted cell.
                    line_in_quote = false;
                }
                State::CellStart if b == b'"' => {
                    state = State::Quoted;
                    quoted = true;
                    quote_column = column;
                    cell_breaks = 0;
                }
                State::QuoteInQuoted if b == b'"' => state = State::Quoted,
                State::QuoteInQuoted if cell_breaks > 0 => {
                    // Text right after the quote that ends a cell spanning lines: that quote was
                    // no closing quote, and the cell ran over rows that were meant as rows.
                    return Ok(Scan::OpenQuote {
                        column: quote_column,
                        first_line: first_line.unwrap_or(i),
                        why: format!(
                            "runs to line {}, where the quote that would close it is followed by more text, so it closes nothing: the quote probably lacks its closing \"",
                            self.line + breaks
                        ),
                    });
                }
                State::CellStart | State::QuoteInQuoted => {
                    state = State::Unquoted;
                    line_in_quote = false;
                }
                State::Unquoted => {}
                State::Quoted if b == b'"' => state = State::QuoteInQuoted,
                State::Quoted if is_break => {
                    if b == b'\r' && self.input.byte_at(i + 1)? == Some(b'\n') {
                        i += 1;
                    }
                    breaks += 1;
                    cell_breaks += 1;
                    first_line.get_or_insert(i + 1);
                    if line_in_quote && width >= 3 && line_delimiters + 1 >= width {
                        return Ok(Scan::OpenQuote {
                            column: quote_column,
                            first_line: first_line.unwrap_or(i + 1),
                            why: format!(
                                "is still open on line {}, which reads like a row of its own ({line_delimiters} delimiters): the quote probably lacks its closing \"",
                                self.line + breaks - 1
                            ),
                        });
                    }
                    if breaks >= self.limits.record_lines {
                        return Ok(Scan::OpenQuote {
                            column: quote_column,
                            first_line: first_line.unwrap_or(i + 1),
                            why: format!(
                                "is still open after {} lines (the limit of one record, --max-record-lines)",
                                self.limits.record_lines
                            ),
                        });
                    }
                    line_in_quote = true;
                    line_delimiters = 0;
                }
                State::Quoted => {
                    if b == delimiter && line_in_quote {
                        line_delimiters += 1;
                    }
                }
            }
            i += 1;
        }
    }

    /// Parses the next record into `record`: its line, an error message for a record that
    /// cannot be read (the input then resumes on the next line), or `None` at the end.
    fn next_record(&mut self, record: &mut Parsed) -> std::io::Result<Option<Result<u64, String>>> {
        if !self.skip_blank_lines()? {
            return Ok(None);
        }
        let line = self.line;
        match self.scan()? {
            Scan::Record {
                len,
                term,
                breaks,
                quoted,
            } => {
                if quoted {
                    self.parse_quoted(len, record);
                } else {
                    self.split_line(len, record);
                }
                self.input.start += len + term;
                self.line += breaks + u64::from(term > 0);
                Ok(Some(Ok(line)))
            }
            Scan::OpenQuote {
                column,
                first_line,
                why,
            } => {
                // The cells of the line the quote opened on, as the row's (for its id and name).
                let text = &self.input.data()[..first_line];
                let len = text.len() - line_end_len(text);
                self.split_line(len, record);
                self.input.start += first_line;
                self.line += 1;
                let name = self
                    .header
                    .names
                    .get(column)
                    .map(|n| format!(" ({})", crate::sanitize::visible(n)))
                    .unwrap_or_default();
                Ok(Some(Err(format!(
                    "line {line}, column {}{name}: a quoted cell opens here and {why}. The row is not read; reading resumes on line {}. Close the quote, or remove the stray \", and run again",
                    column + 1,
                    line + 1
                ))))
            }
            Scan::TooLong { first_line } => {
                record.bytes.clear();
                record.ends.clear();
                match first_line {
                    Some(n) => self.input.start += n,
                    None => {
                        self.input.skip_line()?;
                    }
                }
                self.line += 1;
                Ok(Some(Err(format!(
                    "line {line}: the record is longer than {} bytes (the limit of one record, --max-record-bytes); it is not read, and reading resumes on line {}",
                    self.limits.record_bytes,
                    line + 1
                ))))
            }
        }
    }

    /// A record of `len` bytes with no quote: the line as it is, and where its cells end.
    fn split_line(&mut self, len: usize, record: &mut Parsed) {
        let text = &self.input.data()[..len];
        record.bytes.clear();
        record.bytes.extend_from_slice(text);
        record.ends.clear();
        push_positions(text, self.delimiter, &mut record.ends);
        record.ends.push(text.len());
        record.needs_no_quoting =
            (self.delimiter == b',' || memchr::memchr(b',', text).is_none()) && plain_bytes(text);
        record.separator = self.delimiter;
        record.separator_free = true;
    }

    /// Parses the `len` bytes of one record with csv-core.
    fn parse_quoted(&mut self, len: usize, record: &mut Parsed) {
        use csv_core::ReadRecordResult;
        self.core.reset();
        if self.fields.len() < len + 1 {
            self.fields.resize(len + 1, 0);
        }
        if self.ends.is_empty() {
            self.ends.resize(64, 0);
        }
        let data = &self.input.buf[self.input.start..self.input.start + len];
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            // The record's bytes, then an empty input that tells csv-core it ended.
            let (result, read, out, ends) = self.core.read_record(
                &data[nin..],
                &mut self.fields[nout..],
                &mut self.ends[nend..],
            );
            nin += read;
            nout += out;
            nend += ends;
            match result {
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::OutputFull => {
                    let n = self.fields.len() * 2;
                    self.fields.resize(n, 0);
                }
                ReadRecordResult::InputEmpty if nin < data.len() => {}
                ReadRecordResult::InputEmpty => {
                    let (result, _, out, ends) = self.core.read_record(
                        &[],
                        &mut self.fields[nout..],
                        &mut self.ends[nend..],
                    );
                    nout += out;
                    nend += ends;
                    if matches!(result, ReadRecordResult::OutputEndsFull) {
                        let n = self.ends.len() * 2;
                        self.ends.resize(n, 0);
                        continue;
                    }
                    break;
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
    }

    fn fetch(&mut self) -> Next {
        if self.failed {
            return Next::End;
        }
        let mut record = self.spare.take().unwrap_or_default();
        match self.next_record(&mut record) {
            Ok(Some(Ok(line))) => Next::Record(record, line),
            Ok(Some(Err(message))) => {
                let cells = (!record.ends.is_empty()).then_some(record);
                Next::Failed(self.line - 1, message, cells)
            }
            Ok(None) => Next::End,
            Err(e) => {
                // A reader that failed will not make progress: this row, then the end.
                self.failed = true;
                let line = self.line;
                Next::Failed(
                    line,
                    format!("line {line}: the row cannot be read: {e}"),
                    None,
                )
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
        let (record, line) = match self.fetch() {
            Next::End => {
                self.done = true;
                return false;
            }
            Next::Failed(line, message, cells) => {
                let line = self.sheet_line(line);
                row.line = line;
                row.text.clear();
                row.ends.clear();
                row.needs_no_quoting = true;
                row.separator_free = true;
                if let Some(record) = cells {
                    set_lossy(row, line, &record);
                }
                row.problem = Some(message);
                return true;
            }
            Next::Record(record, line) => (record, self.sheet_line(line)),
        };
        row.line = line;
        // The row's previous buffers become the ones the record after this one is read into.
        self.spare = Some(Parsed {
            bytes: std::mem::take(&mut row.text).into_bytes(),
            ends: std::mem::take(&mut row.ends),
            needs_no_quoting: true,
            separator: b',',
            separator_free: true,
        });
        // One validation for the whole record; the cells are then used where they were parsed.
        row.needs_no_quoting = record.needs_no_quoting;
        row.separator = record.separator;
        row.separator_free = record.separator_free;
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
                    .map(|n| crate::sanitize::visible(n).into_owned())
                    .unwrap_or_else(|| "?".into());
                row.problem = Some(format!(
                    "line {}, column {} ({name}): the cell is not valid UTF-8; save the roster as UTF-8 and run again",
                    row.line,
                    bad + 1
                ));
                set_lossy(row, line, &record);
            }
        }
        true
    }
}

/// Whether `bytes` hold no control character (CR included) and none of the lead bytes of the
/// C1 controls and bidirectional marks (so a writer can copy them as they are); a false
/// answer only sends a row down the careful path.
fn plain_bytes(bytes: &[u8]) -> bool {
    // Printable ASCII (nearly every cell) in one vectorized pass; the rest byte by byte.
    bytes.iter().all(|&b| b.wrapping_sub(0x20) < 0x5f)
        || bytes
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7f && b != 0xc2 && b != 0xd8 && b != 0xe2)
}

/// Sets `row`'s cells to those of `record`, invalid UTF-8 replaced (for a row that cannot be
/// read: its cells still show what it held).
fn set_lossy(row: &mut Row, line: u64, record: &Parsed) {
    let cells: Vec<String> = record
        .cells()
        .map(|cell| String::from_utf8_lossy(cell).into_owned())
        .collect();
    let lossy = Row::new(line, &cells);
    row.text = lossy.text;
    row.ends = lossy.ends;
    row.needs_no_quoting = lossy.needs_no_quoting;
    row.separator = lossy.separator;
    row.separator_free = lossy.separator_free;
}

/// The length of the line break `text` ends with: 2 for CRLF, 1 for LF or CR, else 0.
fn line_end_len(text: &[u8]) -> usize {
    match text {
        [.., b'\r', b'\n'] => 2,
        [.., b'\n' | b'\r'] => 1,
        _ => 0,
    }
}

/// Physical line breaks in `bytes`: each LF, and each CR not followed by an LF.
fn line_breaks(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&p| bytes.get(p + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
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
