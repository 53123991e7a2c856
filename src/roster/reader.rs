//! `RosterReader`: the header row, then each record scanned to where it ends, split or parsed,
//! and handed out as a `Row` with its physical line number.

use std::io::Read;

use super::input::{Input, Opening, open_input};
use super::row::{Parsed, plain_bytes, push_positions};
use super::{Header, Limits, Row, sniff_delimiter};
use crate::error::Error;

/// The next record of the input.
pub(super) enum Next {
    Record(Parsed, u64),
    /// A record that cannot be read: its line, why, and the cells of its first line when they
    /// are worth showing (they hold the id and name of the row a stray quote broke).
    Failed(u64, String, Option<Parsed>),
    End,
}

/// How the cells of a record the scan found are read.
#[derive(Clone, Copy)]
enum Cells {
    /// No cell is quoted: the line split at the delimiter.
    Line,
    /// Some cell is quoted: [`split_quoted`].
    Quoted,
    /// Read already, in the pass that found the record's end ([`fast_quoted`]).
    Read,
}

impl Cells {
    fn of(quoted: bool) -> Cells {
        if quoted { Cells::Quoted } else { Cells::Line }
    }
}

/// Where a record ends, found before it is parsed.
enum Scan {
    /// A record of `len` bytes, then a terminator of `term` bytes (0 at the end of the input),
    /// with `breaks` physical line breaks inside it, its cells to be read as `cells` says.
    Record {
        len: usize,
        term: usize,
        breaks: u64,
        cells: Cells,
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
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    CellStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Where the careful scan of one record is ([`RosterReader::scan_quoted`]).
#[derive(Default)]
struct Careful {
    /// The next byte to look at, from the start of the record.
    i: usize,
    state: State,
    /// Delimiters passed (the column the scan is in), and the column of the open quote.
    column: usize,
    quote_column: usize,
    /// Line breaks inside quoted cells so far, and inside the quoted cell being read.
    breaks: u64,
    cell_breaks: u64,
    /// Whether some cell is quoted.
    quoted: bool,
    /// Where the line after the first line break inside a quote starts.
    first_line: Option<usize>,
    /// Inside a quoted cell: whether the current physical line started inside it, and the
    /// delimiters on that line (a whole line inside a quote that has as many delimiters as a
    /// row reads like a row: the quote is probably missing its end).
    line_in_quote: bool,
    line_delimiters: usize,
}

impl Careful {
    /// What the scan says when the input ends at `i`.
    fn at_end(&self) -> Scan {
        match self.state {
            State::Quoted => self.open_quote(
                self.first_line.unwrap_or(self.i),
                "is never closed: the file ends inside it".into(),
            ),
            _ => Scan::Record {
                len: self.i,
                term: 0,
                breaks: self.breaks,
                cells: Cells::of(self.quoted),
            },
        }
    }

    /// The open quote's report: reading resumes at `first_line`.
    fn open_quote(&self, first_line: usize, why: String) -> Scan {
        Scan::OpenQuote {
            column: self.quote_column,
            first_line,
            why,
        }
    }
}

/// Streams the rows of a roster.
///
/// Each record is first scanned to where it ends (quotes, line breaks, the limits), then a line
/// with no quote is split at the delimiter directly and any other record is split in one pass as
/// csv-core would read it (RFC 4180 quoting; CR, LF and CRLF end a record; blank lines are
/// skipped). Physical line numbers, lone CRs included, are counted as the bytes are consumed. A
/// quoted cell that does not close where a record should becomes an `error` record, and reading
/// resumes on the next line, so one stray quote loses no other row.
pub struct RosterReader<R: Read> {
    input: Input<R>,
    delimiter: u8,
    limits: Limits,
    /// The physical line of the next unparsed byte.
    line: u64,
    /// A record buffer to read the next record into (the previous row's), when there is one.
    spare: Option<Parsed>,
    header: Header,
    failed: bool,
    done: bool,
    /// For a spreadsheet converted to CSV: the sheet row of each record, and how many data
    /// records were read so far.
    sheet: Option<(std::sync::Arc<crate::sheet::SheetRows>, usize)>,
    /// Whether records with quotes may be read in one pass ([`fast_quoted`]): unless the
    /// delimiter is a quote or a line-end byte, or in the test that holds that pass to the
    /// careful scan.
    fast: bool,
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
        let input = open_input(input, &limits).map_err(|e| match e {
            Opening::Io(e) => failure(
                format!("cannot read the roster: {e}"),
                "check that the file exists and can be read",
            ),
            Opening::Encoding(problem) => failure(
                problem.to_string(),
                "save the roster as CSV UTF-8 (in Excel: Save As > CSV UTF-8) and run again",
            ),
        })?;
        let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(input.data()));
        let mut reader = RosterReader {
            input,
            delimiter,
            limits,
            line: 1,
            spare: None,
            header: Header::new(Vec::new()),
            failed: false,
            done: false,
            sheet: None,
            fast: !matches!(delimiter, b'"' | b'\n' | b'\r'),
        };
        let header_help = "the first line must be a header row naming the columns, e.g. partner_id,partner_name,transacts,earns";
        let mut record = Parsed::default();
        let line = match reader.next_record(&mut record) {
            Err(e) => {
                return Err(failure(
                    format!("cannot read the header row: {e}"),
                    header_help,
                ));
            }
            Ok(None) => {
                return Err(failure(
                    "the roster is empty: there is no header row".into(),
                    header_help,
                ));
            }
            Ok(Some(Err(message))) => {
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
            Ok(Some(Ok(line))) => line,
        };
        reader.header = header_of(&record, line);
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
    /// consuming it. Most records are one line with no quote: found with one memchr.
    fn scan(&mut self, record: &mut Parsed) -> std::io::Result<Scan> {
        let mut searched = 0;
        loop {
            let data = self.input.data();
            if let Some(p) = memchr::memchr3(b'\n', b'"', b'\r', &data[searched..]) {
                let at = searched + p;
                // A line end (LF, or the CRLF of a Windows export) before any quote.
                let term = match data[at] {
                    b'\n' => 1,
                    b'\r' if data.get(at + 1) == Some(&b'\n') => 2,
                    _ => 0,
                };
                if term > 0 && at <= self.limits.record_bytes {
                    return Ok(Scan::Record {
                        len: at,
                        term,
                        breaks: 0,
                        cells: Cells::Line,
                    });
                }
                // A quote: most such records (quoted cells closed where a delimiter or the line
                // end follows, a line break in a few) are read in one pass; anything else, and a
                // CR, takes the careful scan.
                if self.fast
                    && data[at] == b'"'
                    && let Some((len, term, breaks)) =
                        fast_quoted(data, at, self.delimiter, &self.limits, record)
                {
                    return Ok(Scan::Record {
                        len,
                        term,
                        breaks,
                        cells: Cells::Read,
                    });
                }
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
                    cells: Cells::Line,
                });
            }
        }
    }

    /// Where the scan at `i` in `state` goes next: runs of bytes that cannot change the state
    /// are skipped with memchr (inside a quoted cell, unless a line that began inside it is
    /// watched for delimiters, anything but a quote or a line break; inside an unquoted cell
    /// anything but the delimiter or a line break), up to the bytes read so far.
    fn skip_plain(&self, i: usize, state: State, line_in_quote: bool) -> usize {
        let data = self.input.data();
        if i >= data.len() {
            return i;
        }
        let rest = &data[i..];
        let run = match state {
            State::Quoted if !line_in_quote => find_any(rest, [b'"', b'\n', b'\r']),
            State::Unquoted => memchr::memchr3(self.delimiter, b'\n', b'\r', rest),
            _ => Some(0),
        };
        i + run.unwrap_or(rest.len())
    }

    /// The careful scan of a record that holds a quote or a CR, byte by byte through the
    /// states of csv-core (runs that cannot change the state skipped whole): plain runs and
    /// closed quoted cells outside quotes, runs inside quotes, then one byte's step.
    fn scan_quoted(&mut self) -> std::io::Result<Scan> {
        let mut scan = Careful::default();
        loop {
            self.skip_outside_quotes(&mut scan);
            scan.i = self.skip_plain(scan.i, scan.state, scan.line_in_quote);
            if scan.i > self.limits.record_bytes {
                return Ok(Scan::TooLong {
                    first_line: scan.first_line,
                });
            }
            let Some(b) = self.input.byte_at(scan.i)? else {
                return Ok(scan.at_end());
            };
            if let Some(done) = self.step(&mut scan, b)? {
                return Ok(done);
            }
            scan.i += 1;
        }
    }

    /// Outside quotes, skips quoted cells closed on their line right before a delimiter (every
    /// cell of a roster exported with all its cells quoted), then the run up to the next quote
    /// or line break: the cells there only count (no quote opens among them), and the state
    /// after them is told by the last byte (a delimiter leaves a cell about to start).
    #[inline]
    fn skip_outside_quotes(&self, scan: &mut Careful) {
        let delimiter = self.delimiter;
        if scan.state == State::CellStart {
            while let Some(len) = closed_quoted_cell(&self.input.data()[scan.i..], delimiter) {
                if scan.i + len > self.limits.record_bytes {
                    break;
                }
                scan.i += len;
                scan.column += 1;
                scan.quoted = true;
                scan.line_in_quote = false;
            }
        }
        if !matches!(scan.state, State::CellStart | State::Unquoted) {
            return;
        }
        let rest = self.input.data().get(scan.i..).unwrap_or_default();
        let run = if rest.first() == Some(&b'"') {
            0
        } else {
            memchr::memchr3(b'"', b'\n', b'\r', rest).unwrap_or(rest.len())
        };
        if run > 0 {
            let span = &rest[..run];
            scan.column += memchr::memchr_iter(delimiter, span).count();
            scan.state = if span[run - 1] == delimiter {
                State::CellStart
            } else {
                State::Unquoted
            };
            scan.i += run;
        }
    }

    /// The scan's step over byte `b` at `scan.i`: the record's end, or an open quote's report,
    /// when the byte decides one.
    #[inline]
    fn step(&mut self, scan: &mut Careful, b: u8) -> std::io::Result<Option<Scan>> {
        let delimiter = self.delimiter;
        let is_break = b == b'\n' || b == b'\r';
        match scan.state {
            State::CellStart | State::Unquoted | State::QuoteInQuoted if is_break => {
                let crlf = b == b'\r' && self.input.byte_at(scan.i + 1)? == Some(b'\n');
                return Ok(Some(Scan::Record {
                    len: scan.i,
                    term: if crlf { 2 } else { 1 },
                    breaks: scan.breaks,
                    cells: Cells::of(scan.quoted),
                }));
            }
            State::CellStart | State::Unquoted | State::QuoteInQuoted if b == delimiter => {
                scan.state = State::CellStart;
                scan.column += 1;
                // The line no longer lies wholly inside one quoted cell.
                scan.line_in_quote = false;
            }
            State::CellStart if b == b'"' => {
                scan.state = State::Quoted;
                scan.quoted = true;
                scan.quote_column = scan.column;
                scan.cell_breaks = 0;
            }
            State::QuoteInQuoted if b == b'"' => scan.state = State::Quoted,
            State::QuoteInQuoted if scan.cell_breaks > 0 => {
                // Text right after the quote that ends a cell spanning lines: that quote was
                // no closing quote, and the cell ran over rows that were meant as rows.
                return Ok(Some(scan.open_quote(
                    scan.first_line.unwrap_or(scan.i),
                    format!(
                        "runs to line {}, where the quote that would close it is followed by more text, so it closes nothing: the quote probably lacks its closing \"",
                        self.line + scan.breaks
                    ),
                )));
            }
            State::CellStart | State::QuoteInQuoted => {
                scan.state = State::Unquoted;
                scan.line_in_quote = false;
            }
            State::Unquoted => {}
            State::Quoted if b == b'"' => scan.state = State::QuoteInQuoted,
            State::Quoted if is_break => return self.break_in_quote(scan, b),
            State::Quoted => {
                if b == delimiter && scan.line_in_quote {
                    scan.line_delimiters += 1;
                }
            }
        }
        Ok(None)
    }

    /// A line break inside a quoted cell: counted, unless the quote has run too far (over a
    /// line that reads like a row, or past the lines one record may take).
    fn break_in_quote(&mut self, scan: &mut Careful, b: u8) -> std::io::Result<Option<Scan>> {
        if b == b'\r' && self.input.byte_at(scan.i + 1)? == Some(b'\n') {
            scan.i += 1;
        }
        scan.breaks += 1;
        scan.cell_breaks += 1;
        let first_line = *scan.first_line.get_or_insert(scan.i + 1);
        let width = self.header.names.len();
        if scan.line_in_quote && width >= 3 && scan.line_delimiters + 1 >= width {
            return Ok(Some(scan.open_quote(
                first_line,
                format!(
                    "is still open on line {}, which reads like a row of its own ({} delimiters): the quote probably lacks its closing \"",
                    self.line + scan.breaks - 1,
                    scan.line_delimiters
                ),
            )));
        }
        if scan.breaks >= self.limits.record_lines {
            return Ok(Some(scan.open_quote(
                first_line,
                format!(
                    "is still open after {} lines (the limit of one record, --max-record-lines)",
                    self.limits.record_lines
                ),
            )));
        }
        scan.line_in_quote = true;
        scan.line_delimiters = 0;
        Ok(None)
    }

    /// Parses the next record into `record`: its line, an error message for a record that
    /// cannot be read (the input then resumes on the next line), or `None` at the end.
    fn next_record(&mut self, record: &mut Parsed) -> std::io::Result<Option<Result<u64, String>>> {
        if !self.skip_blank_lines()? {
            return Ok(None);
        }
        let line = self.line;
        match self.scan(record)? {
            Scan::Record {
                len,
                term,
                breaks,
                cells,
            } => {
                match cells {
                    Cells::Line => self.split_line(len, record),
                    Cells::Quoted => self.parse_quoted(len, record),
                    Cells::Read => record.finish(self.delimiter),
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

    /// Parses the `len` bytes of one record that holds a quote (see [`split_quoted`]).
    fn parse_quoted(&mut self, len: usize, record: &mut Parsed) {
        let data = &self.input.buf[self.input.start..self.input.start + len];
        split_quoted(data, self.delimiter, &mut record.bytes, &mut record.ends);
        record.finish(self.delimiter);
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

    /// Reads every later record with the careful scan only (the test of [`fast_quoted`]).
    #[cfg(test)]
    fn careful_only(mut self) -> Self {
        self.fast = false;
        self
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

/// Reads the record at the start of `data` in one pass, into `record`'s bytes and cell ends as
/// [`split_quoted`] would, when it has the shape of nearly every record with quotes: each cell
/// either unquoted (no quote, no CR) or quoted from its first byte to a closing quote right
/// before a delimiter or the line end, with at most one line break (an LF) inside, and the
/// whole record, terminator included, in `data` and within the limits. Then what the careful
/// scan decides is known without it: the record ends at that line end, with one line break a
/// multi-line cell, and none of its checks can object (they look at a second line inside one
/// quote, at a CR, at text after a closing quote, at the limits). Returns the record's length,
/// its terminator's and the line breaks inside it; `None` for any other record (the careful
/// scan then reads it, from scratch). `data[at]` is the record's first quote, and the scan
/// found no line-end byte before it: the cells before it are copied whole. The delimiter is
/// none of the quote and line-end bytes.
fn fast_quoted(
    data: &[u8],
    at: usize,
    delimiter: u8,
    limits: &Limits,
    record: &mut Parsed,
) -> Option<(usize, usize, u64)> {
    let (bytes, ends) = (&mut record.bytes, &mut record.ends);
    bytes.clear();
    ends.clear();
    // The first quote must open a cell: one in the middle of an unquoted cell is the careful
    // scan's (the loop below would find it there too, after copying for nothing).
    let head = memchr::memrchr(delimiter, &data[..at]).map_or(0, |p| p + 1);
    if head != at {
        return None;
    }
    bytes.extend_from_slice(&data[..head]);
    push_positions(&data[..head], delimiter, ends);
    let mut i = head;
    let mut breaks = 0u64;
    loop {
        if data.get(i) == Some(&b'"') {
            i += 1;
            let mut cell_breaks = 0;
            loop {
                let k = find_any(data.get(i..)?, [b'"', b'\n', b'\r'])?;
                bytes.extend_from_slice(&data[i..i + k]);
                i += k;
                match data[i] {
                    b'"' => match data.get(i + 1)? {
                        b'"' => {
                            bytes.push(b'"');
                            i += 2;
                        }
                        _ => {
                            i += 1;
                            break;
                        }
                    },
                    b'\n' if cell_breaks == 0 => {
                        cell_breaks = 1;
                        breaks += 1;
                        if breaks >= limits.record_lines {
                            return None;
                        }
                        bytes.push(b'\n');
                        i += 1;
                    }
                    _ => return None,
                }
            }
        } else {
            let k = find_any4(data.get(i..)?, [delimiter, b'"', b'\n', b'\r'])?;
            if data[i + k] == b'"' {
                return None;
            }
            bytes.extend_from_slice(&data[i..i + k]);
            i += k;
        }
        if i > limits.record_bytes {
            return None;
        }
        // After the cell: a delimiter, or the line end.
        ends.push(bytes.len());
        match *data.get(i)? {
            b if b == delimiter => {
                bytes.push(delimiter);
                i += 1;
            }
            b'\n' => return Some((i, 1, breaks)),
            b'\r' if *data.get(i + 1)? == b'\n' => return Some((i, 2, breaks)),
            _ => return None,
        }
    }
}

/// Splits the bytes of one record that holds a quote into its cells, as csv-core reads them
/// (RFC 4180: a cell that starts with a quote runs to the next lone quote, `""` inside it is one
/// quote, and anything after its closing quote up to the delimiter is kept as it is; a quote
/// inside an unquoted cell is kept): the cells joined by the delimiter into `bytes`, and where
/// each ends into `ends`. The record is one [`RosterReader::scan_quoted`] accepted, so every line
/// break in it lies inside a quoted cell. One pass, each run of plain bytes copied whole.
pub(super) fn split_quoted(text: &[u8], delimiter: u8, bytes: &mut Vec<u8>, ends: &mut Vec<usize>) {
    bytes.clear();
    ends.clear();
    let mut i = 0;
    loop {
        if text.get(i) == Some(&b'"') {
            i += 1;
            // Inside the quotes: up to the next quote that is not doubled.
            loop {
                let rest = &text[i..];
                let Some(k) = find_byte(rest, b'"') else {
                    bytes.extend_from_slice(rest);
                    i = text.len();
                    break;
                };
                bytes.extend_from_slice(&rest[..k]);
                i += k + 1;
                if text.get(i) != Some(&b'"') {
                    break;
                }
                bytes.push(b'"');
                i += 1;
            }
        }
        // An unquoted cell, or what follows a closing quote: up to the delimiter (found at
        // once after the closing quote of most quoted cells, and ending empty cells).
        let rest = &text[i..];
        let k = match rest.first() {
            Some(&b) if b != delimiter => {
                let k = find_byte(rest, delimiter).unwrap_or(rest.len());
                bytes.extend_from_slice(&rest[..k]);
                k
            }
            _ => 0,
        };
        i += k;
        ends.push(bytes.len());
        if i >= text.len() {
            return;
        }
        bytes.push(delimiter);
        i += 1;
    }
}

/// The length of the quoted cell at the start of `rest` and the delimiter after it, when the
/// cell holds no quote and no line break (so it closes at its second quote) and the delimiter
/// follows its closing quote: what [`RosterReader::scan_quoted`] would go through byte by byte
/// to the same state, a cell about to start, one more delimiter counted.
#[inline(always)]
fn closed_quoted_cell(rest: &[u8], delimiter: u8) -> Option<usize> {
    if rest.first() != Some(&b'"') {
        return None;
    }
    let k = 1 + find_any(&rest[1..], [b'"', b'\n', b'\r'])?;
    (rest[k] == b'"' && rest.get(k + 1) == Some(&delimiter)).then_some(k + 2)
}

/// The first of `bytes` in `hay`, its first `words` words of eight bytes searched a word at a
/// time (without the call and set-up of a vectorized search), the rest by `rest`.
#[inline(always)]
fn first_of<const N: usize>(
    hay: &[u8],
    bytes: [u8; N],
    words: usize,
    rest: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let splats = bytes.map(|byte| ONES * u64::from(byte));
    // The zero bytes of `word`, flagged in their high bits; the lowest flag is exact (a borrow
    // only runs upwards).
    let zeros = |word: u64| word.wrapping_sub(ONES) & !word & HIGH;
    let mut at = 0;
    for _ in 0..words {
        let Some(chunk) = hay.get(at..at + 8) else {
            return hay[at..]
                .iter()
                .position(|b| bytes.contains(b))
                .map(|k| at + k);
        };
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let found = splats
            .iter()
            .fold(0, |found, &splat| found | zeros(word ^ splat));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    rest(&hay[at..]).map(|k| at + k)
}

/// The first `byte` in `hay`. Cells are short: their first 32 bytes are searched a word at a
/// time, the rest by memchr.
fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    first_of(hay, [byte], 4, |rest| memchr::memchr(byte, rest))
}

/// The first of the three `bytes` in `hay`, searched as [`find_byte`] searches one.
#[inline(always)]
fn find_any(hay: &[u8], bytes: [u8; 3]) -> Option<usize> {
    let [a, b, c] = bytes;
    first_of(hay, bytes, 4, |rest| memchr::memchr3(a, b, c, rest))
}

/// The first of the four `bytes` in `hay` (a cell's end in [`fast_quoted`]), a word at a time
/// to the end (memchr has no search for four bytes).
fn find_any4(hay: &[u8], bytes: [u8; 4]) -> Option<usize> {
    first_of(hay, bytes, usize::MAX, |_| None)
}

/// The header row from its parsed cells: names trimmed (a byte-order mark left by an odd
/// export removed), invalid UTF-8 read lossily with a warning.
fn header_of(record: &Parsed, line: u64) -> Header {
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
    let mut header = Header::new(names);
    header.warnings.extend(warnings);
    header
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

    /// An input that hands over at most `chunk` bytes a read.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 4096,
            max_global_rejects: 1 << 20,
            ..ProptestConfig::default()
        })]

        /// `find_byte` finds the first byte as a plain search does, in the words, in the tail
        /// shorter than a word and past the first 32 bytes.
        #[test]
        fn find_byte_finds_the_first_one(
            hay in proptest::collection::vec(prop_oneof![Just(b','), Just(0x2cu8 ^ 0x80), Just(0x2d), any::<u8>()], 0..100),
            byte in prop_oneof![Just(b','), Just(b'"'), any::<u8>()],
        ) {
            prop_assert_eq!(super::find_byte(&hay, byte), hay.iter().position(|&b| b == byte));
        }

        /// `find_any` finds the first of three bytes, and `find_any4` of four, as a plain search
        /// does, wherever it lies.
        #[test]
        fn find_any_finds_the_first_of_three(
            hay in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'"' ^ 0x80), any::<u8>()], 0..100),
            bytes in proptest::array::uniform3(prop_oneof![Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b';'), any::<u8>()]),
        ) {
            prop_assert_eq!(super::find_any(&hay, bytes), hay.iter().position(|b| bytes.contains(b)));
            let four = [bytes[0], bytes[1], bytes[2], b','];
            prop_assert_eq!(super::find_any4(&hay, four), hay.iter().position(|b| four.contains(b)));
        }

        /// Records with quotes read in one pass are read as the careful scan reads them: the same
        /// rows (lines, cells, what is learned of them, problems), for rosters of short rows of
        /// letters, delimiters, quotes, line feeds and CRs (doubled quotes, quoted cells over
        /// two or three lines, text after closing quotes, stray quotes, lone CRs, CRLF line
        /// ends, a last row without a line end), with `,`, `;`, tab or a letter between cells,
        /// headers of one to five columns, small limits too, and the input handed over a few
        /// bytes a read (so that records cross the end of the bytes read so far).
        #[test]
        fn one_pass_reads_quoted_records_as_the_careful_scan_does(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![8 => "[ab]{0,3}", 3 => Just("D".to_string()), 3 => Just("\"".to_string()), 1 => Just("\"\"".to_string()), 1 => Just("\n".to_string()), 1 => Just("\r".to_string()), 1 => Just("\r\n".to_string())],
                    0..12,
                ).prop_map(|parts| parts.concat()),
                1..8,
            ),
            width in 1usize..6,
            delimiter in prop_oneof![4 => Just(b','), 1 => Just(b';'), 1 => Just(b'\t'), 1 => Just(b'a')],
            last_line_end in any::<bool>(),
            limits in prop_oneof![
                2 => Just(super::Limits::default()),
                1 => (3usize..30, 1u64..4).prop_map(|(record_bytes, record_lines)| super::Limits { record_bytes, record_lines }),
            ],
            chunk in prop_oneof![Just(usize::MAX), 1usize..9],
        ) {
            let delimiter_text = char::from(delimiter).to_string();
            let names: Vec<String> = (0..width).map(|i| format!("h{i}")).collect();
            let mut text = names.join(&delimiter_text);
            text.push('\n');
            text.push_str(&rows.join("\n").replace('D', &delimiter_text));
            if last_line_end {
                text.push('\n');
            }
            let read = |careful: bool| {
                let input = Trickle { data: text.as_bytes(), chunk };
                let reader = super::RosterReader::with_limits(input, "roster", Some(delimiter), limits);
                let Ok(reader) = reader else { return Vec::new() };
                let mut reader = if careful { reader.careful_only() } else { reader };
                let mut rows = Vec::new();
                let mut row = super::Row::default();
                while reader.read_row(&mut row) {
                    rows.push((row.line, row.text.clone(), row.ends.clone(), row.needs_no_quoting, row.separator_free, row.problem.clone()));
                }
                rows
            };
            prop_assert_eq!(read(false), read(true));
        }

        /// `split_quoted` reads a record as the csv crate (csv-core) does: the same cells, for
        /// any record of one line or of line breaks inside quotes (what the scan hands it), with
        /// doubled quotes, quotes inside unquoted cells, text after a closing quote, empty and
        /// unclosed quoted cells, and `,`, `;` or tab between cells; and learns what the
        /// definitions say of those cells (whether any needs quoting or holds the delimiter).
        #[test]
        fn quoted_records_split_as_csv_core_reads_them(
            text in proptest::collection::vec(
                prop_oneof![12 => "[a\",;\t \u{e9}\u{a0}\u{202e}]", 1 => "[\n\r]"], 1..24,
            ).prop_map(|chars| chars.concat()),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        ) {
            let bytes = text.as_bytes();
            // The scan hands on neither the blank lines before a record nor its line end.
            prop_assume!(!matches!(bytes[0], b'\n' | b'\r'));
            prop_assume!(!matches!(bytes[bytes.len() - 1], b'\n' | b'\r'));
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(bytes);
            let mut records = reader.byte_records();
            let Some(Ok(want)) = records.next() else {
                return Err(TestCaseError::reject("not one record"));
            };
            // One record, to the end of the text (a line break outside quotes ends a record, and
            // the scan never hands one on).
            prop_assume!(records.next().is_none());
            prop_assume!(want.position().is_some());
            let mut got = super::Parsed::default();
            super::split_quoted(bytes, delimiter, &mut got.bytes, &mut got.ends);
            got.finish(delimiter);
            let cells: Vec<&[u8]> = got.cells().collect();
            let want: Vec<&[u8]> = want.iter().collect();
            // What is learned of the cells, as the definitions say, cell by cell.
            let plain = |c: &[u8]| c.iter().all(|&b| b >= 0x20 && !matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2));
            let no_quoting = want.iter().all(|c| !c.iter().any(|b| matches!(b, b',' | b'"' | b'\n')) && plain(c));
            prop_assert_eq!(got.needs_no_quoting, no_quoting);
            prop_assert_eq!(got.separator_free, want.iter().all(|c| !c.contains(&delimiter)));
            prop_assert_eq!(got.separator, delimiter);
            prop_assert_eq!(cells, want);
        }
    }
}
