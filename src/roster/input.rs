//! The roster's bytes: a buffer that grows to hold the longest record, decoded from UTF-16 when
//! the roster starts with its byte-order mark; encodings that cannot be read, named.

use std::io::Read;

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

/// The first size of the buffer. Four times the 64 KiB of the `BufReader` the command line
/// opens a roster with, so that a read nearly always asks for more than that reader holds and
/// goes straight into this buffer (asked for less, it fills its own buffer and copies it over:
/// every byte of the roster copied once more).
const BUFFER_BYTES: usize = 1 << 18;

/// The bytes of the roster not parsed yet, in a buffer that grows (by doubling) to hold the
/// longest record, at most [`Limits::record_bytes`] and a read.
pub(super) struct Input<R> {
    inner: Source<R>,
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) eof: bool,
}

impl<R: Read> Input<R> {
    /// The unparsed bytes read so far.
    pub(super) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads more bytes after the unparsed ones (which keep their offsets from `start`).
    /// Returns false at the end of the input.
    pub(super) fn fill(&mut self) -> std::io::Result<bool> {
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
    pub(super) fn byte_at(&mut self, i: usize) -> std::io::Result<Option<u8>> {
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
    pub(super) fn skip_line(&mut self) -> std::io::Result<bool> {
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
        buf: vec![0; BUFFER_BYTES],
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

/// Why a roster could not be opened.
pub(super) enum Opening {
    /// Reading failed.
    Io(std::io::Error),
    /// The roster is in an encoding that cannot be read (what it is).
    Encoding(&'static str),
}

/// The roster's input, with enough bytes read for its header line (or the whole input, or the
/// record limit): decoded from UTF-16 when it starts with that byte-order mark, past a UTF-8
/// byte-order mark, and refused when it is UTF-32 or holds NUL bytes.
pub(super) fn open_input<R: Read>(input: R, limits: &super::Limits) -> Result<Input<R>, Opening> {
    let mut input = Input {
        inner: Source::Plain(input),
        buf: vec![0; BUFFER_BYTES],
        start: 0,
        end: 0,
        eof: false,
    };
    while !input.eof && input.end < 4 {
        input.fill().map_err(Opening::Io)?;
    }
    input = decode_utf16(input);
    while !input.eof
        && input.end < limits.record_bytes
        && memchr::memchr(b'\n', input.data()).is_none()
    {
        input.fill().map_err(Opening::Io)?;
    }
    if input.data().starts_with(b"\xef\xbb\xbf") {
        input.start += 3;
    }
    if let Some(problem) = encoding_problem(input.data()) {
        return Err(Opening::Encoding(problem));
    }
    Ok(input)
}
