//! A row of the roster: the record's text and the end of each cell, and what parsing learned.

/// One data row of the roster.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// The cells (invalid UTF-8 replaced, see `problem`), each but the last followed by one
    /// separator byte; for most rows, the line as read.
    pub(super) text: String,
    /// Where each cell ends in `text`; a cell starts one byte after the end of the one before.
    pub(super) ends: Vec<usize>,
    /// No cell holds a comma, a double quote, a line break or a control or bidirectional
    /// character (see `sanitize::visible`).
    pub(super) needs_no_quoting: bool,
    /// The byte between cells in `text`.
    pub(super) separator: u8,
    /// No cell holds the separator: `text` splits back into the cells.
    pub(super) separator_free: bool,
    /// Why the row could not be read, when it could not: it becomes an `error` record.
    pub problem: Option<String>,
    /// Whether an earlier row has the same id, when the reader of a run checked it; `None`
    /// leaves the check to whoever reads the row's facts.
    pub duplicate_id: Option<bool>,
}

/// A record as parsed, before its UTF-8 is checked: the bytes of the future [`Row::text`].
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub(super) bytes: Vec<u8>,
    pub(super) ends: Vec<usize>,
    pub(super) needs_no_quoting: bool,
    pub(super) separator: u8,
    pub(super) separator_free: bool,
}

impl Parsed {
    /// Sets the record to `cells`, separated by `separator`.
    pub(super) fn set<'c>(&mut self, cells: impl Iterator<Item = &'c [u8]>, separator: u8) {
        self.bytes.clear();
        self.ends.clear();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                self.bytes.push(separator);
            }
            self.bytes.extend_from_slice(cell);
            self.ends.push(self.bytes.len());
        }
        self.finish(separator);
    }

    /// Sets what is learned from the cells, once `bytes` holds them separated by `separator`
    /// and `ends` says where each ends.
    pub(super) fn finish(&mut self, separator: u8) {
        let bytes = &self.bytes;
        // Each separator byte in the text is one between two cells, or one inside a cell.
        let separator_free =
            memchr::memchr_iter(separator, bytes).count() + 1 == self.ends.len().max(1);
        // No cell holds a comma, a quote, a line feed or a byte `plain_bytes` refuses: checked
        // over the whole text where the separators between the cells cannot change the answer.
        let needs_no_quoting = match separator {
            b'"' | b'\n' => self.cells().all(|cell| {
                memchr::memchr3(b',', b'"', b'\n', cell).is_none() && plain_bytes(cell)
            }),
            _ => {
                let no_comma = match separator {
                    b',' => separator_free,
                    _ => memchr::memchr(b',', bytes).is_none(),
                };
                // A line feed is a control byte: `plain_bytes` refuses it.
                no_comma
                    && memchr::memchr(b'"', bytes).is_none()
                    && if plain_bytes(&[separator]) {
                        plain_bytes(bytes)
                    } else {
                        self.cells().all(plain_bytes)
                    }
            }
        };
        self.needs_no_quoting = needs_no_quoting;
        self.separator = separator;
        self.separator_free = separator_free;
    }

    pub(super) fn cells(&self) -> impl Iterator<Item = &[u8]> {
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
        self.text.get(self.cell_range(i)?)
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

    /// The row's text, when its cells are separated by `separator` in it (a cell may hold
    /// the separator too: see [`Row::cell_range`] for where each cell is).
    pub fn text_separated_by(&self, separator: u8) -> Option<&str> {
        (self.separator == separator).then_some(self.text.as_str())
    }

    /// Where cell `i` is in the row's text (see [`Row::text_separated_by`]).
    pub fn cell_range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        Some(start..end)
    }

    /// Cells `first` to `last` with their separators between them, when no cell of the row
    /// holds the separator (so that equal spans are equal cells).
    pub fn span(&self, first: usize, last: usize) -> Option<&str> {
        if !self.separator_free || first > last {
            return None;
        }
        let end = *self.ends.get(last)?;
        self.text.get(self.cell_range(first)?.start..end)
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
pub(super) fn push_positions(text: &[u8], byte: u8, out: &mut Vec<usize>) {
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

/// Whether `bytes` hold no control character (CR included) and none of the lead bytes of the
/// C1 controls and bidirectional marks (so a writer can copy them as they are); a false
/// answer only sends a row down the careful path.
pub(super) fn plain_bytes(bytes: &[u8]) -> bool {
    // Printable ASCII (nearly every cell) in one vectorized pass, 32 bytes at a time with no
    // early exit inside a chunk; the rest byte by byte.
    let printable = |chunk: &[u8]| {
        chunk
            .iter()
            .fold(true, |all, &b| all & (b.wrapping_sub(0x20) < 0x5f))
    };
    // Other text (accented names) the same way, with every byte compared to the flagged ones.
    let plain = |chunk: &[u8]| {
        chunk.iter().fold(true, |all, &b| {
            all & (b >= 0x20) & crate::sanitize::starts_no_hostile(b)
        })
    };
    let chunks = bytes.chunks_exact(32);
    let rest = chunks.remainder();
    (chunks.into_iter().all(printable) && printable(rest)) || bytes.chunks(32).all(plain)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn plain_bytes_are_those_with_no_control_or_flagged_lead_byte(
            text in proptest::collection::vec(prop_oneof![
                0x20u8..0x7f,
                0x20u8..0x7f,
                any::<u8>(),
                proptest::sample::select(vec![0x7fu8, 0xc2, 0xd8, 0xe2, 0x1f, b'\r', b'\n']),
            ], 0..100),
        ) {
            let plain = text.iter().all(|&b| b >= 0x20 && b != 0x7f && b != 0xc2 && b != 0xd8 && b != 0xe2);
            prop_assert_eq!(super::plain_bytes(&text), plain);
        }

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
