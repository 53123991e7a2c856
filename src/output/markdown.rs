//! Markdown: one table row per record. Every text that comes from the roster is escaped so it
//! cannot break the table or inject markup; ids the rule set defines are shown as code.

use std::io::Write;

use super::RecordWriter;
use crate::engine::{Classification, Finding};
use crate::roster::{Header, Row};

/// Writes a Markdown table.
pub struct MarkdownWriter<'w> {
    out: Box<dyn Write + 'w>,
    raw: bool,
}

impl<'w> MarkdownWriter<'w> {
    /// A Markdown writer over `out`; `raw` leaves formula-like cells as they are.
    pub fn new(out: Box<dyn Write + 'w>, raw: bool) -> Self {
        MarkdownWriter { out, raw }
    }

    /// A roster text as a table cell: escaped (control and bidirectional characters shown as
    /// escapes), and guarded against formulas unless raw.
    fn cell(&self, text: &str) -> String {
        if self.raw {
            return escape(text);
        }
        let shown = super::visible(text);
        if super::csv_out::looks_like_formula(&shown) {
            escape(&format!("'{shown}"))
        } else {
            escape(&shown)
        }
    }
}

/// Escapes text for a Markdown table cell: markup characters, HTML and line breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

fn code(id: Option<&str>) -> String {
    id.map(|s| format!("`{s}`")).unwrap_or_default()
}

impl RecordWriter for MarkdownWriter<'_> {
    fn start(&mut self, _header: &Header) -> std::io::Result<()> {
        writeln!(
            self.out,
            "| partner_id | partner_name | status | role | category | confidence | declared_role | finding | reasons |"
        )?;
        writeln!(self.out, "|---|---|---|---|---|---:|---|---|---|")
    }

    fn write(&mut self, _row: &Row, r: &Classification) -> std::io::Result<()> {
        let reasons: Vec<String> = r.plain_reasons().map(|s| self.cell(s)).collect();
        // The roles in plain words, their ids on a second line.
        let role = match r.role.as_deref() {
            Some(id) => format!("{}<br>{}", self.cell(&r.role_words()), code(Some(id))),
            None if r.status == crate::engine::Status::Ambiguous => self.cell(&r.role_words()),
            None => String::new(),
        };
        let declared = match r.declaration.declared_role.as_deref() {
            Some(ids) => format!("{}<br>{}", self.cell(&r.declared_words()), code(Some(ids))),
            None => self.cell(&r.declared_words()),
        };
        writeln!(
            self.out,
            "| {} | {} | {} | {} | {} | {:.2} | {} | {} | {} |",
            self.cell(&r.partner_id),
            self.cell(r.partner_name.as_deref().unwrap_or("")),
            r.status.as_str(),
            role,
            code(r.category.as_deref()),
            r.confidence,
            declared,
            match r.finding {
                Finding::Mismatch => "**mismatch**",
                _ => r.finding_words(),
            },
            reasons.join("<br>")
        )
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
