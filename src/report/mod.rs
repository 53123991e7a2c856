//! Classification reports: a [`ReportBuilder`] sink that aggregates a run (counts, the
//! declared x derived matrix, findings, rule coverage) and keeps per-partner details up to a
//! cap, and the Markdown and HTML renderings of the result (askama templates under
//! `templates/`).
//!
//! Owns: aggregation for reports, report layout. Must not touch: the decision, CSV reading.

mod render;

use std::collections::BTreeMap;

use crate::engine::{Finding, Status};
use crate::pipeline::{Item, Sink};
use crate::roster::Header;
use crate::rules::RuleSet;

pub use render::{render_html, render_markdown};

/// The matrix row of records that declare no known role.
pub const NONE_DECLARED: &str = "none declared";

/// One record as the report shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The record key.
    pub partner_id: String,
    /// The display name.
    pub partner_name: String,
    /// The line the row starts on.
    pub line: u64,
    /// classified, ambiguous, unclassified or error.
    pub status: &'static str,
    /// The derived role id, or empty.
    pub role: String,
    /// The category id, or empty.
    pub category: String,
    /// The normalized declared role, or empty.
    pub declared: String,
    /// agree, mismatch, unconfirmed, undeclared or error.
    pub finding: &'static str,
    /// The same, as the type.
    pub finding_kind: crate::engine::Finding,
    /// 0.0 to 1.0.
    pub confidence: f64,
    /// The reasons.
    pub reasons: Vec<String>,
}

/// Rule coverage of one role on a roster.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The role id.
    pub role: String,
    /// Records classified as the role.
    pub derived: usize,
    /// Each rule of the role with the number of records it fit.
    pub rules: Vec<(String, usize)>,
}

/// A report over a whole roster.
#[derive(Debug, Clone)]
pub struct Report {
    /// The rule set's name and version.
    pub ruleset: String,
    /// Where the rules came from.
    pub rules_origin: String,
    /// The roster's name.
    pub source: String,
    /// The day of the report, `YYYY-MM-DD` (UTC; `SOURCE_DATE_EPOCH` when set).
    pub date: String,
    /// Records read.
    pub total: usize,
    /// Count per status, in the order classified, ambiguous, unclassified, error.
    pub by_status: Vec<(&'static str, usize)>,
    /// Count per finding, in the order agree, mismatch, unconfirmed, undeclared, error.
    pub by_finding: Vec<(&'static str, usize)>,
    /// Classified records per role, in taxonomy order (roles with none included).
    pub by_role: Vec<(String, usize)>,
    /// Classified records per category.
    pub by_category: Vec<(String, usize)>,
    /// Row labels of the matrix: declared roles (and `none declared`).
    pub matrix_rows: Vec<String>,
    /// Column labels of the matrix: derived roles, then ambiguous, unclassified, error.
    pub matrix_cols: Vec<String>,
    /// `matrix[row][col]` counts.
    pub matrix: Vec<Vec<usize>>,
    /// How many of the last matrix columns are ambiguous, unclassified or error.
    pub undecided_columns: usize,
    /// Records that need a person: mismatches, unconfirmed declarations and errors (capped).
    pub findings: Vec<Entry>,
    /// Ambiguous and unclassified records (capped).
    pub undecided: Vec<Entry>,
    /// Per role, in taxonomy order: how often it was derived and how often each rule fit.
    pub coverage: Vec<Coverage>,
    /// Per-partner details, the first `cap` records.
    pub details: Vec<Entry>,
    /// The cap on each list.
    pub cap: usize,
    /// Records left out of the findings list, the undecided list and the details.
    pub findings_left_out: usize,
    /// Ambiguous and unclassified records left out.
    pub undecided_left_out: usize,
    /// Records left out of the details.
    pub details_left_out: usize,
}

/// Aggregates a run into a [`Report`]. Holds the counts and at most `cap` entries per list.
pub struct ReportBuilder<'r> {
    rules: &'r RuleSet,
    report: Report,
    status_counts: [usize; 4],
    finding_counts: [usize; 5],
    role_counts: Vec<usize>,
    rule_fired: Vec<usize>,
    matrix: BTreeMap<(usize, usize), usize>,
}

impl<'r> ReportBuilder<'r> {
    /// A builder for a roster named `source`, keeping at most `cap` entries per list.
    pub fn new(rules: &'r RuleSet, source: &str, date: String, cap: usize) -> Self {
        ReportBuilder {
            rules,
            report: Report {
                ruleset: match rules.version() {
                    Some(v) => format!("{} {v}", rules.name()),
                    None => rules.name().to_string(),
                },
                rules_origin: rules.origin().to_string(),
                source: source.to_string(),
                date,
                total: 0,
                by_status: Vec::new(),
                by_finding: Vec::new(),
                by_role: Vec::new(),
                by_category: Vec::new(),
                matrix_rows: Vec::new(),
                matrix_cols: Vec::new(),
                matrix: Vec::new(),
                undecided_columns: 0,
                findings: Vec::new(),
                undecided: Vec::new(),
                coverage: Vec::new(),
                details: Vec::new(),
                cap,
                findings_left_out: 0,
                undecided_left_out: 0,
                details_left_out: 0,
            },
            status_counts: [0; 4],
            finding_counts: [0; 5],
            role_counts: vec![0; rules.roles.len()],
            rule_fired: vec![0; rules.rules.len()],
            matrix: BTreeMap::new(),
        }
    }

    /// The finished report.
    pub fn finish(self) -> Report {
        let rules = self.rules;
        let mut report = self.report;
        let statuses = ["classified", "ambiguous", "unclassified", "error"];
        report.by_status = statuses.iter().copied().zip(self.status_counts).collect();
        let findings = ["agree", "mismatch", "unconfirmed", "undeclared", "error"];
        report.by_finding = findings.iter().copied().zip(self.finding_counts).collect();
        report.by_role = rules
            .roles
            .iter()
            .map(|r| r.id.clone())
            .zip(self.role_counts.iter().copied())
            .collect();
        report.by_category = rules
            .categories
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let n = rules
                    .roles
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.category == ci)
                    .map(|(ri, _)| self.role_counts[ri])
                    .sum();
                (c.id.clone(), n)
            })
            .collect();
        // Matrix: rows are declared roles that occur (taxonomy order) then "none declared";
        // columns are derived roles that occur, then the undecided statuses that occur.
        let n = rules.roles.len();
        let used_rows: Vec<usize> = (0..=n)
            .filter(|r| self.matrix.keys().any(|(row, _)| row == r))
            .collect();
        let used_cols: Vec<usize> = (0..n + 3)
            .filter(|c| self.matrix.keys().any(|(_, col)| col == c))
            .collect();
        let label = |i: usize, extra: &[&str]| {
            if i < n {
                rules.roles[i].id.clone()
            } else {
                extra[i - n].to_string()
            }
        };
        report.matrix_rows = used_rows
            .iter()
            .map(|&r| label(r, &[NONE_DECLARED]))
            .collect();
        report.undecided_columns = used_cols.iter().filter(|&&c| c >= n).count();
        report.matrix_cols = used_cols
            .iter()
            .map(|&c| label(c, &["ambiguous", "unclassified", "error"]))
            .collect();
        report.matrix = used_rows
            .iter()
            .map(|&r| {
                used_cols
                    .iter()
                    .map(|&c| self.matrix.get(&(r, c)).copied().unwrap_or(0))
                    .collect()
            })
            .collect();
        report.coverage = rules
            .roles
            .iter()
            .enumerate()
            .map(|(ri, role)| Coverage {
                role: role.id.clone(),
                derived: self.role_counts[ri],
                rules: role
                    .rules
                    .iter()
                    .map(|&r| (rules.rules[r].id.clone(), self.rule_fired[r]))
                    .collect(),
            })
            .collect();
        report
    }
}

fn entry(item: &Item) -> Entry {
    let r = item.result;
    Entry {
        partner_id: r.partner_id.clone(),
        partner_name: r.partner_name.clone().unwrap_or_default(),
        line: r.line,
        status: r.status.as_str(),
        role: r.role.unwrap_or("").to_string(),
        category: r.category.unwrap_or("").to_string(),
        declared: r.declared_role.unwrap_or("").to_string(),
        finding: r.finding.as_str(),
        finding_kind: r.finding,
        confidence: r.confidence,
        reasons: r.reasons().map(String::from).collect(),
    }
}

impl Sink for ReportBuilder<'_> {
    fn start(&mut self, _header: &Header) -> std::io::Result<()> {
        Ok(())
    }

    fn item(&mut self, item: &Item) -> std::io::Result<()> {
        let (rules, r) = (self.rules, item.result);
        let report = &mut self.report;
        report.total += 1;
        let status_index = match r.status {
            Status::Classified => 0,
            Status::Ambiguous => 1,
            Status::Unclassified => 2,
            Status::Error => 3,
        };
        self.status_counts[status_index] += 1;
        let finding_index = match r.finding {
            Finding::Agree => 0,
            Finding::Mismatch => 1,
            Finding::Unconfirmed => 2,
            Finding::Undeclared => 3,
            Finding::Error => 4,
        };
        self.finding_counts[finding_index] += 1;
        let n = rules.roles.len();
        let derived = match r.status {
            Status::Classified => {
                let role = r.chosen[0];
                self.role_counts[role] += 1;
                role
            }
            Status::Ambiguous => n,
            Status::Unclassified => n + 1,
            Status::Error => n + 2,
        };
        let declared = item.record.declared_role.unwrap_or(n);
        *self.matrix.entry((declared, derived)).or_insert(0) += 1;
        for &rule in &r.fired {
            self.rule_fired[rule] += 1;
        }
        let cap = report.cap;
        if r.finding.needs_review() {
            if report.findings.len() < cap {
                report.findings.push(entry(item));
            } else {
                report.findings_left_out += 1;
            }
        }
        if matches!(r.status, Status::Ambiguous | Status::Unclassified) {
            if report.undecided.len() < cap {
                report.undecided.push(entry(item));
            } else {
                report.undecided_left_out += 1;
            }
        }
        if report.details.len() < cap {
            report.details.push(entry(item));
        } else {
            report.details_left_out += 1;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Today's date as `YYYY-MM-DD` in UTC, or the day of `SOURCE_DATE_EPOCH` when it is set (for
/// reproducible reports).
pub fn report_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
