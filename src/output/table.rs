//! Table: an aligned, wrapped table for a terminal (tabled). It needs every row to size the
//! columns, so it holds the rows it prints; use csv or jsonl for very large rosters.

use std::io::Write;

use tabled::builder::Builder;
use tabled::settings::{Modify, Style, Width, object::Columns};

use super::RecordWriter;
use crate::engine::{Classification, Finding};
use crate::roster::{Header, Row};

/// Writes an aligned table when finished. It holds at most `TABLE_ROWS` (5,000) rows (a table needs
/// them all to size its columns); the rest are counted and the table says so.
pub struct TableWriter<'w> {
    out: Box<dyn Write + 'w>,
    rows: Vec<[String; 9]>,
    left_out: usize,
    /// The terminal's width to fit, when writing to one.
    width: Option<usize>,
}

/// The column names of the table: the output fields' names, in words (a header wraps at its
/// spaces).
const COLUMNS: [&str; 9] = [
    "partner id",
    "partner name",
    "status",
    "role",
    "category",
    "confidence",
    "declared role",
    "finding",
    "reason",
];

/// Columns a terminal too narrow for all of them leaves out, in order (the category follows
/// from the role; the confidence is in every other format), before it falls back to blocks.
const LEAVE_OUT: [usize; 2] = [4, 5];

/// The columns a narrow terminal takes width from, in order, each down to its narrowest: the
/// reason first (it takes what is left), then the name, the declared and the derived roles,
/// the category.
const SHRINK: [(usize, usize); 5] = [(8, 24), (1, 12), (6, 12), (3, 14), (4, 8)];

/// Most records a table shows; use csv or jsonl for a whole large roster.
pub const TABLE_ROWS: usize = 5000;

impl<'w> TableWriter<'w> {
    /// A table writer over `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        TableWriter {
            out,
            rows: Vec::new(),
            left_out: 0,
            width: None,
        }
    }

    /// Fits the output to a terminal `width` columns wide: the reason column takes what the
    /// others leave, and when that is too little the name, the roles and the category give
    /// way in turn (words wrapped at spaces); when even that does not fit, each record is a
    /// block of labelled lines instead.
    pub fn fit_to(mut self, width: usize) -> Self {
        self.width = Some(width);
        self
    }
}

/// Longest cell a table holds, in characters; longer ones end with " ...".
const CELL_CHARS: usize = 200;

/// `text` cut to at most `max` characters, at a space when there is one, with " ...".
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
    format!("{cut} ...")
}

/// Longest "why" shown; the full reasons are in every other format and in `check`.
const WHY_CHARS: usize = 180;

/// The sentence that says most about a record in plain words (never the rule trace),
/// shortened for a glance.
fn why(r: &Classification) -> String {
    shorten(r.plain_key_reason(), WHY_CHARS)
}

impl RecordWriter for TableWriter<'_> {
    fn start(&mut self, _header: &Header) -> std::io::Result<()> {
        Ok(())
    }

    fn write(&mut self, _row: &Row, r: &Classification) -> std::io::Result<()> {
        if self.rows.len() == TABLE_ROWS {
            self.left_out += 1;
            return Ok(());
        }
        let cells = [
            r.partner_id.clone(),
            r.partner_name.clone().unwrap_or_default(),
            r.status.as_str().to_string(),
            r.role_words(),
            r.category.clone().unwrap_or_else(|| "-".into()),
            format!("{:.2}", r.confidence),
            r.declared_words(),
            match r.finding {
                Finding::Mismatch => "MISMATCH",
                _ => r.finding_words(),
            }
            .to_string(),
            why(r),
        ];
        // Roster text reaches a terminal: control and bidirectional characters as escapes, and
        // no cell longer than a table can show (the table holds its rows until the end).
        self.rows
            .push(cells.map(|cell| shorten(&super::visible(&cell), CELL_CHARS)));
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        let rows = std::mem::take(&mut self.rows);
        // Piped or written to a file: the name and the declared cell at most 24 wide, the role
        // 28, the finding 20 and the reason 60 (each never narrower than its longest word).
        let mut widths = natural_widths(&rows);
        let words = longest_words(&rows);
        for (i, most) in [(1, 24), (3, 28), (6, 24), (7, 20), (8, 60)] {
            widths[i] = widths[i].min(most.max(words[i]));
        }
        let fitted = match self.width {
            Some(width) => fit(widths, longest_words(&rows), width),
            None => Some(widths.map(Some)),
        };
        match fitted {
            None => write_blocks(&mut self.out, &rows, self.width.unwrap_or(80))?,
            Some(widths) => {
                let shown: Vec<usize> = (0..COLUMNS.len())
                    .filter(|&i| widths[i].is_some())
                    .collect();
                let mut builder = Builder::default();
                builder.push_record(shown.iter().map(|&i| COLUMNS[i]));
                for row in &rows {
                    builder.push_record(
                        shown
                            .iter()
                            .map(|&i| wrap_cell(&row[i], widths[i].expect("shown"))),
                    );
                }
                let mut table = builder.build();
                table.with(Style::sharp());
                for (at, &i) in shown.iter().enumerate() {
                    // Lines are wrapped already; a word longer than the column is cut here.
                    let w = widths[i].expect("shown");
                    table.with(Modify::new(Columns::one(at)).with(Width::wrap(w)));
                }
                writeln!(self.out, "{table}")?;
            }
        }
        if self.left_out > 0 {
            writeln!(
                self.out,
                "{} more records are not shown: a table stops at {TABLE_ROWS} rows; use --format csv or jsonl for the whole roster (the summary counts every record)",
                self.left_out
            )?;
        }
        self.out.flush()
    }
}

/// One block of labelled lines a record, for a terminal too narrow for the table: the id and
/// name, then each other column that has something to say, long values wrapped at spaces.
fn write_blocks(out: &mut dyn Write, rows: &[[String; 9]], width: usize) -> std::io::Result<()> {
    const LABEL: usize = 15;
    let text_width = width.saturating_sub(LABEL + 2).max(20);
    for row in rows {
        writeln!(out, "{}  {}", row[0], row[1])?;
        for (name, value) in COLUMNS.iter().zip(row.iter()).skip(2) {
            if value.is_empty() {
                continue;
            }
            for (i, line) in wrap_cell(value, text_width).lines().enumerate() {
                let label = if i == 0 { *name } else { "" };
                writeln!(out, "  {label:<LABEL$}{line}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The widest cell of each column, header included, in characters.
fn natural_widths(rows: &[[String; 9]]) -> [usize; 9] {
    let mut widths = COLUMNS.map(|c| c.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.lines().map(|l| l.chars().count()).max().unwrap_or(0));
        }
    }
    widths
}

/// `text` wrapped at spaces to lines of at most `width` characters, no line starting with
/// the space it was wrapped at.
fn wrap_cell(text: &str, width: usize) -> String {
    tabled::settings::width::Wrap::wrap(text, width, true)
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The longest word of each column (split at spaces, `+` and `;`), in characters.
fn longest_words(rows: &[[String; 9]]) -> [usize; 9] {
    let mut words = [0; 9];
    for row in rows {
        for (w, cell) in words.iter_mut().zip(row) {
            let longest = cell
                .split([' ', '+', ';', '\n'])
                .map(|word| word.chars().count())
                .max()
                .unwrap_or(0);
            *w = (*w).max(longest);
        }
    }
    words
}

/// Column widths (`None`: left out) that make the table at most `width` characters wide (a
/// cell's padding and border take 3, the last border 1): taken from the columns of [`SHRINK`]
/// in turn, then leaving out those of [`LEAVE_OUT`]; `None` when the table cannot be that
/// narrow.
fn fit(natural: [usize; 9], words: [usize; 9], width: usize) -> Option<[Option<usize>; 9]> {
    let total = |w: &[Option<usize>; 9]| w.iter().flatten().map(|c| c + 3).sum::<usize>() + 1;
    let mut widths = natural.map(Some);
    for leave_out in 0..=LEAVE_OUT.len() {
        widths = natural.map(Some);
        for &column in &LEAVE_OUT[..leave_out] {
            widths[column] = None;
        }
        for (column, narrowest) in SHRINK {
            let over = total(&widths).saturating_sub(width);
            if over == 0 {
                break;
            }
            // Never narrower than the column's longest word (a role id is not cut).
            let narrowest = narrowest.max(words[column]);
            if let Some(w) = widths[column].as_mut() {
                *w -= over.min(w.saturating_sub(narrowest));
            }
        }
        if total(&widths) <= width {
            return Some(widths);
        }
    }
    let _ = widths;
    None
}
