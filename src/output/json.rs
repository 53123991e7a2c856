//! JSON: an array of records (`json`) or one record per line (`jsonl`). Each record is the
//! [`Classification`] plus `extra`, the input columns the vocabulary does not know, carried
//! through by header.
//!
//! JSON Lines is written directly, with the fields that come from a shared decision rendered
//! once per decision; strings are escaped exactly as serde_json escapes them, so both formats
//! carry the same values.

use std::io::Write;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::{Escaped, Memo, RecordWriter, RowRenderer};
use crate::engine::Classification;
use crate::roster::{Header, Row};

/// Writes records as JSON or JSON Lines.
pub struct JsonWriter<'w> {
    out: Box<dyn Write + 'w>,
    lines: bool,
    count: usize,
    rows: JsonRows,
    buf: Vec<u8>,
}

/// The key of cell `i` (0-based) of a row longer than its header: `cell_N`, with `_` added
/// until no header has the name.
fn extra_cell_key(i: usize, names: &[String]) -> String {
    let mut key = format!("cell_{}", i + 1);
    while names.contains(&key) {
        key.push('_');
    }
    key
}

/// Renders records as JSON lines; one per thread.
struct JsonRows {
    extra: Vec<(usize, String)>,
    /// The header's width and names, for cells past it.
    width: usize,
    names: Vec<String>,
    memo: Memo<Rendered>,
    /// The escaped sentences of the reasons.
    sentences: Escaped,
    /// Reused while rendering a decision.
    scratch: Vec<u8>,
}

/// The rendered fields of one decision, for JSON Lines, in one allocation: `bytes[..middle]`
/// is `,"status":...,"candidates":[...],"reasons":[` (the reasons are written for each record
/// from the escaped sentences: see [`super::Escaped`]),
/// `bytes[middle..finding]` is `],"declared_role":...,"matches_declared":...` and
/// `bytes[finding..]` is `,"finding":"..."`.
struct Rendered {
    bytes: Box<[u8]>,
    middle: usize,
    finding: usize,
}

/// Appends `text` as a JSON string, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    // Nearly every text has nothing to escape: told in one pass over blocks of 32 bytes (each
    // checked whole, so the check is vectorized), then copied whole.
    let plain = bytes.chunks(32).all(|block| {
        block
            .iter()
            .fold(true, |all, &b| all & (b >= 0x20 && b != b'"' && b != b'\\'))
    });
    if plain {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn opt_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(t) => string(out, t),
        None => out.extend_from_slice(b"null"),
    }
}

/// Renders the fields of `r`'s decision, using `head` as scratch space.
fn render(r: &Classification, head: &mut Vec<u8>) -> Rendered {
    head.clear();
    head.extend_from_slice(b",\"status\":");
    string(head, r.status.as_str());
    head.extend_from_slice(b",\"roles\":[");
    for (i, role) in r.roles.iter().enumerate() {
        if i > 0 {
            head.push(b',');
        }
        string(head, role);
    }
    head.extend_from_slice(b"],\"role\":");
    opt_string(head, r.role.as_deref());
    head.extend_from_slice(b",\"category\":");
    opt_string(head, r.category.as_deref());
    head.extend_from_slice(if r.channel_partner {
        b",\"channel_partner\":true"
    } else {
        b",\"channel_partner\":false"
    });
    head.extend_from_slice(b",\"confidence\":");
    // Serializing numbers and strings into memory cannot fail.
    let _ = serde_json::to_writer(&mut *head, &r.confidence);
    head.extend_from_slice(b",\"candidates\":");
    let _ = serde_json::to_writer(&mut *head, &*r.candidates);
    head.extend_from_slice(b",\"reasons\":[");
    let middle = head.len();
    head.extend_from_slice(b"],\"declared_role\":");
    opt_string(head, r.declaration.declared_role.as_deref());
    head.extend_from_slice(b",\"matches_declared\":");
    head.extend_from_slice(match r.matches_declared {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
    let finding = head.len();
    head.extend_from_slice(b",\"finding\":");
    string(head, r.finding.as_str());
    // Kept in a memo bounded in bytes: exactly the bytes, so that the bound is what is held.
    Rendered {
        bytes: head.as_slice().into(),
        middle,
        finding,
    }
}

impl RowRenderer for JsonRows {
    /// One record as a JSON line, from the rendered decision and the record's own fields.
    fn render(&mut self, row: &Row, r: &Classification, buf: &mut Vec<u8>) {
        let scratch = &mut self.scratch;
        let rendered = self.memo.get(r.decided.id, || {
            let fresh = render(r, scratch);
            let size = std::mem::size_of::<Rendered>() + fresh.bytes.len();
            (fresh, size)
        });
        buf.extend_from_slice(b"{\"partner_id\":");
        string(buf, &r.partner_id);
        buf.extend_from_slice(b",\"partner_name\":");
        opt_string(buf, r.partner_name.as_deref());
        buf.extend_from_slice(&rendered.bytes[..rendered.middle]);
        let shared = r.base_reasons.shared();
        for (i, sentence) in shared.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            if !r.base_reasons.is_shared() {
                // Sentences no other decision has: not worth keeping their escaped forms.
                string(buf, sentence);
                continue;
            }
            let (escaped, _) = self.sentences.get(sentence, |s, out| {
                string(out, s);
                0
            });
            buf.extend_from_slice(escaped);
        }
        for (i, own) in r.own_reasons.iter().enumerate() {
            if !shared.is_empty() || i > 0 {
                buf.push(b',');
            }
            string(buf, own);
        }
        buf.extend_from_slice(&rendered.bytes[rendered.middle..rendered.finding]);
        buf.extend_from_slice(b",\"warnings\":[");
        for (i, w) in r.warnings.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            string(buf, w);
        }
        buf.extend_from_slice(b"],\"line\":");
        buf.extend_from_slice(itoa(r.line, &mut [0; 20]));
        buf.extend_from_slice(&rendered.bytes[rendered.finding..]);
        buf.extend_from_slice(b",\"extra\":{");
        for (k, (i, name)) in self.extra.iter().enumerate() {
            if k > 0 {
                buf.push(b',');
            }
            string(buf, name);
            buf.push(b':');
            string(buf, row.cell(*i).unwrap_or(""));
        }
        // Cells past the header's width, as `cell_N`.
        for i in self.width..row.len() {
            if !self.extra.is_empty() || i > self.width {
                buf.push(b',');
            }
            string(buf, &extra_cell_key(i, &self.names));
            buf.push(b':');
            string(buf, row.cell(i).unwrap_or(""));
        }
        buf.extend_from_slice(b"}}\n");
    }
}

/// `n` in decimal, in `digits`.
fn itoa(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[at..];
        }
    }
}

impl<'w> JsonWriter<'w> {
    /// A JSON writer over `out`; `lines` for one object per line.
    pub fn new(out: Box<dyn Write + 'w>, lines: bool) -> Self {
        JsonWriter {
            out,
            lines,
            count: 0,
            rows: JsonRows {
                extra: Vec::new(),
                width: 0,
                names: Vec::new(),
                memo: Memo::new(),
                sentences: Escaped::new(),
                scratch: Vec::new(),
            },
            buf: Vec::with_capacity(1 << 16),
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
    width: usize,
    names: &'a [String],
    row: &'a Row,
}

impl Serialize for Extra<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (i, name) in self.columns {
            map.serialize_entry(name, self.row.cell(*i).unwrap_or(""))?;
        }
        for i in self.width..self.row.len() {
            map.serialize_entry(
                &extra_cell_key(i, self.names),
                self.row.cell(i).unwrap_or(""),
            )?;
        }
        map.end()
    }
}

impl RecordWriter for JsonWriter<'_> {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        self.rows.extra = header
            .carried
            .iter()
            .enumerate()
            .filter(|&(_, &carried)| carried)
            .map(|(i, _)| (i, header.names[i].clone()))
            .collect();
        self.rows.width = header.names.len();
        self.rows.names = header.names.clone();
        if !self.lines {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    fn write(&mut self, row: &Row, record: &Classification) -> std::io::Result<()> {
        if self.lines {
            self.rows.render(row, record, &mut self.buf);
            if self.buf.len() >= 1 << 16 {
                self.out.write_all(&self.buf)?;
                self.buf.clear();
            }
            return Ok(());
        }
        // A JSON array, one pretty-printed object after another (JSON Lines returned above).
        let out = Out {
            record,
            extra: Extra {
                columns: &self.rows.extra,
                width: self.rows.width,
                names: &self.rows.names,
                row,
            },
        };
        self.out
            .write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer_pretty(&mut self.out, &out)?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        if !self.lines {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }

    fn renderer(&self) -> Option<Box<dyn RowRenderer>> {
        self.lines.then(|| {
            Box::new(JsonRows {
                extra: self.rows.extra.clone(),
                width: self.rows.width,
                names: self.rows.names.clone(),
                memo: Memo::new(),
                sentences: Escaped::new(),
                scratch: Vec::new(),
            }) as Box<dyn RowRenderer>
        })
    }

    fn write_rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.out.write_all(bytes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "\\PC*|[\\x00-\\x7f]{0,40}") {
            let mut ours = Vec::new();
            super::string(&mut ours, &text);
            prop_assert_eq!(String::from_utf8(ours).expect("utf-8"), serde_json::to_string(&text).expect("json"));
        }
    }
}
