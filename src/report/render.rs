//! Report view models and their askama templates (`templates/report.html`,
//! `templates/report.md`). The HTML template escapes everything by default; the Markdown view
//! model escapes roster text itself, since Markdown has no escaping of its own.

use askama::Template;

use super::{Entry, Report};
use crate::engine::Finding;
use crate::error::Error;
use crate::output::markdown_escape;

/// A horizontal bar of a chart.
struct Bar {
    label: String,
    count: usize,
    /// Bar length in SVG units (0 to 300).
    width: usize,
    y: usize,
    /// Where the label ends and the bar starts (labels of role profiles are long).
    label_x: usize,
    bar_x: usize,
    text_x: usize,
    /// The chart's width in SVG units.
    view_width: usize,
}

/// One cell of the declared x derived heat-map.
struct Cell {
    count: usize,
    style: String,
    diagonal: bool,
}

/// One partner row of the details table.
struct Row<'a> {
    entry: &'a Entry,
    confidence: String,
    why: &'a str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct HtmlReport<'a> {
    r: &'a Report,
    status_bars: Vec<Bar>,
    role_bars: Vec<Bar>,
    role_width: usize,
    chart_height: usize,
    status_height: usize,
    /// Each row: its label (ids), in plain words, its cells.
    matrix: Vec<(String, String, Vec<Cell>)>,
    /// Each column: its label (ids), in plain words.
    matrix_cols: Vec<(String, String)>,
    /// Each role profile: its ids, in plain words, its count.
    profiles: Vec<(String, String, usize)>,
    roles_never: Vec<String>,
    rules_never: Vec<String>,
    findings: Vec<Row<'a>>,
    undecided: Vec<Row<'a>>,
    hybrids: Vec<Row<'a>>,
    details: Vec<Row<'a>>,
    role_options: Vec<String>,
}

fn bars(items: &[(String, usize)]) -> Vec<Bar> {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    // About 7 units a character at the chart's font size; at least the old 184.
    let longest = items
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let label_x = (longest * 7).max(184);
    items
        .iter()
        .enumerate()
        .map(|(i, (label, n))| Bar {
            label: label.clone(),
            count: *n,
            width: n * 300 / max,
            y: i * 22,
            label_x,
            bar_x: label_x + 6,
            text_x: label_x + 6 + n * 300 / max + 6,
            view_width: label_x + 6 + 300 + 50,
        })
        .collect()
}

/// Each role profile: its ids, in plain words (through `escape`), its count.
fn profiles(r: &Report, escape: impl Fn(&str) -> String) -> Vec<(String, String, usize)> {
    r.profiles
        .iter()
        .zip(&r.profile_words)
        .map(|((id, n), words)| (id.clone(), escape(words), *n))
        .collect()
}

/// The roles and profiles of the role chart, labelled in plain words.
fn role_labels(r: &Report) -> Vec<(String, usize)> {
    r.by_role
        .iter()
        .zip(&r.by_role_words)
        .map(|((_, n), words)| (words.clone(), *n))
        .collect()
}

/// The sentence that best says why a record is listed.
fn why(e: &Entry) -> &str {
    e.reasons.get(e.key_reason).map_or("", String::as_str)
}

fn rows(entries: &[Entry]) -> Vec<Row<'_>> {
    entries
        .iter()
        .map(|e| Row {
            entry: e,
            confidence: format!("{:.2}", e.confidence),
            why: why(e),
        })
        .collect()
}

fn never_fired(r: &Report) -> (Vec<String>, Vec<String>) {
    let roles = r
        .coverage
        .iter()
        .filter(|c| c.derived == 0)
        .map(|c| c.role.clone())
        .collect();
    let rules = r
        .coverage
        .iter()
        .flat_map(|c| {
            c.rules
                .iter()
                .filter(|(_, n)| *n == 0)
                .map(|(id, _)| id.clone())
        })
        .collect();
    (roles, rules)
}

/// Renders the report as one self-contained HTML page.
pub fn render_html(r: &Report) -> Result<String, Error> {
    let max_cell = r.matrix.iter().flatten().copied().max().unwrap_or(0).max(1);
    let matrix = r
        .matrix_rows
        .iter()
        .zip(&r.matrix_row_words)
        .zip(r.matrix.iter().zip(&r.matrix_findings))
        .map(|((row, words), (counts, findings))| {
            let cells = counts
                .iter()
                .zip(findings)
                .map(|(&count, &finding)| {
                    let alpha = if count == 0 {
                        0.0
                    } else {
                        0.15 + 0.85 * count as f64 / max_cell as f64
                    };
                    // By the cell's most severe finding: green agrees, blue is right but less
                    // specific or incomplete, red disagrees, amber cannot be confirmed, grey
                    // declares nothing.
                    let hue = match finding {
                        Finding::Agree => "34, 139, 84",
                        Finding::LessSpecific | Finding::Incomplete => "31, 111, 139",
                        Finding::Mismatch => "200, 60, 50",
                        Finding::Unconfirmed => "214, 158, 46",
                        Finding::Undeclared | Finding::Error => "120, 130, 140",
                    };
                    Cell {
                        count,
                        style: format!("background: rgba({hue}, {alpha:.2})"),
                        diagonal: count > 0 && finding == Finding::Agree,
                    }
                })
                .collect();
            (row.clone(), words.clone(), cells)
        })
        .collect();
    let status_items: Vec<(String, usize)> = r
        .by_status
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    let (roles_never, rules_never) = never_fired(r);
    let view = HtmlReport {
        r,
        profiles: profiles(r, |s| s.to_string()),
        matrix_cols: r
            .matrix_cols
            .iter()
            .cloned()
            .zip(r.matrix_col_words.iter().cloned())
            .collect(),
        status_bars: bars(&status_items),
        role_bars: bars(&role_labels(r)),
        role_width: bars(&role_labels(r)).first().map_or(560, |b| b.view_width),
        chart_height: r.by_role.len() * 22 + 4,
        status_height: status_items.len() * 22 + 4,
        matrix,
        roles_never,
        rules_never,
        findings: rows(&r.findings),
        undecided: rows(&r.undecided),
        hybrids: rows(&r.hybrids),
        details: rows(&r.details),
        role_options: r.by_role.iter().map(|(id, _)| id.clone()).collect(),
    };
    view.render()
        .map_err(|e| Error::Output(format!("rendering the HTML report: {e}")))
}

/// A cell a spreadsheet would run as a formula (a report pasted into one), with a leading `'`.
fn guard_formula(text: &str) -> String {
    if crate::output::looks_like_formula(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// An entry with its roster text escaped for Markdown.
struct MdEntry {
    id: String,
    name: String,
    status: &'static str,
    role: String,
    role_words: String,
    declared: String,
    declared_words: String,
    finding_words: &'static str,
    confidence: String,
    why: String,
    reasons: String,
}

#[derive(Template)]
#[template(path = "report.md", escape = "none")]
struct MarkdownReport<'a> {
    r: &'a Report,
    source: String,
    matrix_header: String,
    matrix_rule: String,
    matrix: Vec<String>,
    roles_never: Vec<String>,
    rules_never: Vec<String>,
    /// Each role or profile: in plain words, its id, its count.
    by_role: Vec<(String, String, usize)>,
    /// Each role profile: in plain words, its ids, its count.
    profiles: Vec<(String, String, usize)>,
    findings: Vec<MdEntry>,
    undecided: Vec<MdEntry>,
    hybrids: Vec<MdEntry>,
    details: Vec<MdEntry>,
}

fn md_entries(entries: &[Entry]) -> Vec<MdEntry> {
    entries
        .iter()
        .map(|e| MdEntry {
            id: markdown_escape(&guard_formula(&e.partner_id)),
            name: markdown_escape(&guard_formula(&e.partner_name)),
            status: e.status,
            role: e.role.clone(),
            role_words: markdown_escape(&e.role_words),
            declared: e.declared.clone(),
            declared_words: markdown_escape(&e.declared_words),
            finding_words: e.finding_words,
            confidence: format!("{:.2}", e.confidence),
            why: markdown_escape(why(e)),
            reasons: e
                .reasons
                .iter()
                .map(|s| markdown_escape(s))
                .collect::<Vec<_>>()
                .join("<br>"),
        })
        .collect()
}

/// Renders the report as Markdown.
pub fn render_markdown(r: &Report) -> Result<String, Error> {
    let (roles_never, rules_never) = never_fired(r);
    let view = MarkdownReport {
        r,
        profiles: profiles(r, markdown_escape)
            .into_iter()
            .map(|(id, words, n)| (words, id, n))
            .collect(),
        by_role: r
            .by_role
            .iter()
            .zip(&r.by_role_words)
            .map(|((id, n), words)| (markdown_escape(words), id.clone(), *n))
            .collect(),
        source: markdown_escape(&r.source),
        matrix_header: format!(
            "| declared \\\\ derived | {} |",
            r.matrix_col_words
                .iter()
                .map(|c| markdown_escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        matrix_rule: format!("|---|{}", "---:|".repeat(r.matrix_cols.len())),
        matrix: r
            .matrix_row_words
            .iter()
            .zip(r.matrix.iter().zip(&r.matrix_findings))
            .map(|(row, (counts, findings))| {
                let cells: Vec<String> = counts
                    .iter()
                    .zip(findings)
                    .map(|(n, &finding)| match (n, finding == Finding::Agree) {
                        (0, _) => "".to_string(),
                        (n, true) => format!("**{n}**"),
                        (n, false) => n.to_string(),
                    })
                    .collect();
                format!("| {} | {} |", markdown_escape(row), cells.join(" | "))
            })
            .collect(),
        roles_never,
        rules_never,
        findings: md_entries(&r.findings),
        undecided: md_entries(&r.undecided),
        hybrids: md_entries(&r.hybrids),
        details: md_entries(&r.details),
    };
    view.render()
        .map_err(|e| Error::Output(format!("rendering the Markdown report: {e}")))
}
