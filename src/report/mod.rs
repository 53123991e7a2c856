//! Classification reports: a [`ReportBuilder`] sink that aggregates a run (counts, the
//! declared x derived matrix, findings, rule coverage) and keeps per-partner details up to a
//! cap, and the Markdown and HTML renderings of the result (askama templates under
//! `templates/`).
//!
//! Owns: aggregation for reports, report layout. Must not touch: the decision, CSV reading.

mod render;

use std::collections::BTreeMap;

use crate::engine::{Finding, Status};
use crate::output::visible;
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
    /// The held role id or profile (`a+b`), or empty.
    pub role: String,
    /// The category id (or ids joined by `+`), or empty.
    pub category: String,
    /// The normalized declared roles joined by `;`, or empty.
    pub declared: String,
    /// The declared cell as the roster has it, or empty.
    pub declared_text: String,
    /// The held roles in plain words (`Reseller + Distributor`), `-` when none.
    pub role_words: String,
    /// The declared cell as typed with its reading (`VAR (Value-Added Reseller)`), or empty.
    pub declared_words: String,
    /// The finding in plain words (empty when nothing was declared).
    pub finding_words: &'static str,
    /// The audit finding (see [`Finding`]).
    pub finding: &'static str,
    /// The same, as the type.
    pub finding_kind: crate::engine::Finding,
    /// Which reason says most about the record (an index into `reasons`).
    pub key_reason: usize,
    /// 0.0 to 1.0.
    pub confidence: f64,
    /// The reasons in plain words: the rule trace left out (`explain` and the JSON and CSV
    /// outputs have it).
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
#[derive(Debug, Clone, Default)]
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
    /// Count per finding, most severe first (see [`Finding::ALL`]).
    pub by_finding: Vec<(&'static str, usize)>,
    /// Classified records per held role or profile: each role of the taxonomy holding it
    /// alone (in taxonomy order, roles with none included), then each profile of several
    /// roles that occurs. Every classified record is counted once.
    pub by_role: Vec<(String, usize)>,
    /// The same roles and profiles in plain words (`Reseller + Distributor`), in the same order.
    pub by_role_words: Vec<String>,
    /// Classified records per category or combination of categories, counted the same way.
    pub by_category: Vec<(String, usize)>,
    /// Records holding several roles, per profile.
    pub profiles: Vec<(String, usize)>,
    /// The same profiles in plain words, in the same order.
    pub profile_words: Vec<String>,
    /// Row labels of the matrix: each declared role, or set of declared roles joined by `;`,
    /// that occurs (and `none declared`).
    pub matrix_rows: Vec<String>,
    /// Column labels of the matrix: held roles and profiles, then ambiguous, unclassified,
    /// error.
    pub matrix_cols: Vec<String>,
    /// The same row and column labels in plain words (`Reseller; Distributor`, `Reseller +
    /// Distributor`), in the same order.
    pub matrix_row_words: Vec<String>,
    /// See `matrix_row_words`.
    pub matrix_col_words: Vec<String>,
    /// `matrix[row][col]` counts; they add up to the records.
    pub matrix: Vec<Vec<usize>>,
    /// `matrix_findings[row][col]`: the most severe finding among the cell's records.
    pub matrix_findings: Vec<Vec<Finding>>,
    /// How many of the last matrix columns are ambiguous, unclassified or error.
    pub undecided_columns: usize,
    /// Records that need a person: mismatches, unconfirmed declarations and errors (capped).
    pub findings: Vec<Entry>,
    /// Ambiguous and unclassified records (capped).
    pub undecided: Vec<Entry>,
    /// Records that hold several roles (capped).
    pub hybrids: Vec<Entry>,
    /// Records holding several roles left out of `hybrids`.
    pub hybrids_left_out: usize,
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
    finding_counts: [usize; Finding::ALL.len()],
    /// Records holding each role, alone or in a profile.
    role_counts: Vec<usize>,
    /// Classified records per held profile (one role or several, in taxonomy order).
    profile_counts: BTreeMap<Column, usize>,
    rule_fired: Vec<usize>,
    matrix: BTreeMap<(Declared, Column), (usize, Finding)>,
}

/// A matrix row: the declared roles, ordered as rows are shown (single roles in taxonomy
/// order, then sets of two, ..., then none declared).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Declared {
    none: bool,
    count: usize,
    roles: Vec<usize>,
}

/// A matrix column: a held profile (ordered by size, then taxonomy order), then the undecided
/// statuses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    Held(usize, Vec<usize>),
    Ambiguous,
    Unclassified,
    Error,
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
                source: visible(source).into_owned(),
                date,
                total: 0,
                by_status: Vec::new(),
                by_finding: Vec::new(),
                by_role: Vec::new(),
                by_role_words: Vec::new(),
                by_category: Vec::new(),
                matrix_rows: Vec::new(),
                matrix_cols: Vec::new(),
                matrix_row_words: Vec::new(),
                matrix_col_words: Vec::new(),
                matrix: Vec::new(),
                matrix_findings: Vec::new(),
                profiles: Vec::new(),
                profile_words: Vec::new(),
                undecided_columns: 0,
                findings: Vec::new(),
                undecided: Vec::new(),
                hybrids: Vec::new(),
                hybrids_left_out: 0,
                coverage: Vec::new(),
                details: Vec::new(),
                cap,
                findings_left_out: 0,
                undecided_left_out: 0,
                details_left_out: 0,
            },
            status_counts: [0; 4],
            finding_counts: [0; Finding::ALL.len()],
            role_counts: vec![0; rules.roles.len()],
            profile_counts: BTreeMap::new(),
            rule_fired: vec![0; rules.rules.len()],
            matrix: BTreeMap::new(),
        }
    }

    /// The finished report.
    pub fn finish(mut self) -> Report {
        let rules = self.rules;
        let mut report = std::mem::take(&mut self.report);
        let statuses = ["classified", "ambiguous", "unclassified", "error"];
        report.by_status = statuses.iter().copied().zip(self.status_counts).collect();
        report.by_finding = Finding::ALL
            .iter()
            .map(|f| f.as_str())
            .zip(self.finding_counts)
            .collect();
        let ids = |roles: &[usize], sep: &str| self.ids(roles, sep);
        let count_of = |roles: &[usize]| {
            self.profile_counts
                .get(&Column::Held(roles.len(), roles.to_vec()))
                .copied()
                .unwrap_or(0)
        };
        let several = || {
            self.profile_counts.iter().filter_map(|(c, &n)| match c {
                Column::Held(len, roles) if *len > 1 => Some((roles, n)),
                _ => None,
            })
        };
        report.by_role = (0..rules.roles.len())
            .map(|r| (rules.roles[r].id.clone(), count_of(&[r])))
            .chain(several().map(|(roles, n)| (ids(roles, "+"), n)))
            .collect();
        report.by_role_words = (0..rules.roles.len())
            .map(|r| rules.roles[r].name.clone())
            .chain(several().map(|(roles, _)| {
                roles
                    .iter()
                    .map(|&r| rules.roles[r].name.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ")
            }))
            .collect();
        report.profiles = several().map(|(roles, n)| (ids(roles, "+"), n)).collect();
        report.by_category = self.by_category();
        self.matrix_into(&mut report);
        let words =
            |labels: &[String]| -> Vec<String> { labels.iter().map(|l| self.words(l)).collect() };
        report.matrix_row_words = words(&report.matrix_rows);
        report.profile_words = report.profiles.iter().map(|(l, _)| self.words(l)).collect();
        report.matrix_col_words = words(&report.matrix_cols);
        report.coverage = self.coverage();
        report
    }

    /// A label of role ids (joined by `+` for a profile, `;` for several declared roles) in
    /// plain words: each id by its display name, anything else as it is.
    fn words(&self, label: &str) -> String {
        let name = |id: &str| {
            self.rules
                .role_by_id(id)
                .map_or(id.to_string(), |r| self.rules.roles[r].name.clone())
        };
        label
            .split(';')
            .map(|set| set.split('+').map(name).collect::<Vec<_>>().join(" + "))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The ids of `roles`, joined by `sep`.
    fn ids(&self, roles: &[usize], sep: &str) -> String {
        roles
            .iter()
            .map(|&r| self.rules.roles[r].id.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// Records by category: each category alone, then each combination that occurs.
    fn by_category(&self) -> Vec<(String, usize)> {
        let rules = self.rules;
        // Categories: each category alone, then each combination that occurs.
        let mut by_category: BTreeMap<(usize, Vec<usize>), usize> = BTreeMap::new();
        for ci in 0..rules.categories.len() {
            by_category.insert((1, vec![ci]), 0);
        }
        for (column, &n) in &self.profile_counts {
            if let Column::Held(_, roles) = column {
                let mut cats: Vec<usize> = Vec::new();
                for &r in roles {
                    if !cats.contains(&rules.roles[r].category) {
                        cats.push(rules.roles[r].category);
                    }
                }
                *by_category.entry((cats.len(), cats)).or_insert(0) += n;
            }
        }
        by_category
            .into_iter()
            .map(|((_, cats), n)| {
                let label = cats
                    .iter()
                    .map(|&c| rules.categories[c].id.as_str())
                    .collect::<Vec<_>>()
                    .join("+");
                (label, n)
            })
            .collect()
    }

    /// The matrix of declared role sets (rows: those that occur, then "none declared") against
    /// held profiles and undecided statuses (columns: those that occur), counts and findings.
    fn matrix_into(&self, report: &mut Report) {
        let ids = |roles: &[usize], sep: &str| self.ids(roles, sep);
        // Matrix: rows are the declared sets that occur, then "none declared"; columns are the
        // held profiles that occur, then the undecided statuses that occur.
        let mut rows: Vec<&Declared> = self.matrix.keys().map(|(r, _)| r).collect();
        rows.sort();
        rows.dedup();
        let mut cols: Vec<&Column> = self.matrix.keys().map(|(_, c)| c).collect();
        cols.sort();
        cols.dedup();
        report.matrix_rows = rows
            .iter()
            .map(|r| {
                if r.none {
                    NONE_DECLARED.to_string()
                } else {
                    ids(&r.roles, ";")
                }
            })
            .collect();
        report.undecided_columns = cols
            .iter()
            .filter(|c| !matches!(c, Column::Held(..)))
            .count();
        report.matrix_cols = cols
            .iter()
            .map(|c| match c {
                Column::Held(_, roles) => ids(roles, "+"),
                Column::Ambiguous => "ambiguous".into(),
                Column::Unclassified => "unclassified".into(),
                Column::Error => "error".into(),
            })
            .collect();
        let cell = |r: &Declared, c: &Column| {
            self.matrix
                .get(&(r.clone(), c.clone()))
                .copied()
                .unwrap_or((0, Finding::Undeclared))
        };
        report.matrix = rows
            .iter()
            .map(|r| cols.iter().map(|c| cell(r, c).0).collect())
            .collect();
        report.matrix_findings = rows
            .iter()
            .map(|r| cols.iter().map(|c| cell(r, c).1).collect())
            .collect();
    }

    /// Per role: how many records hold it, and how often each of its rules fired.
    fn coverage(&self) -> Vec<Coverage> {
        let rules = self.rules;
        rules
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
            .collect()
    }
}

fn entry(item: &Item) -> Entry {
    let r = item.result;
    Entry {
        // Roster text as the report shows it: control and bidirectional characters escaped.
        partner_id: visible(&r.partner_id).into_owned(),
        partner_name: visible(r.partner_name.as_deref().unwrap_or_default()).into_owned(),
        line: r.line,
        status: r.status.as_str(),
        role: r.role.clone().unwrap_or_default(),
        category: r.category.clone().unwrap_or_default(),
        declared: r.declaration.declared_role.clone().unwrap_or_default(),
        declared_text: visible(item.record.declared_text.as_deref().unwrap_or_default())
            .into_owned(),
        role_words: r.role_words(),
        declared_words: visible(&r.declared_words()).into_owned(),
        finding_words: r.finding_words(),
        finding: r.finding.as_str(),
        finding_kind: r.finding,
        key_reason: {
            let key = r.plain_key_reason();
            r.plain_reasons().position(|s| s == key).unwrap_or(0)
        },
        confidence: r.confidence,
        reasons: r.plain_reasons().map(|s| visible(s).into_owned()).collect(),
    }
}

impl Sink for ReportBuilder<'_> {
    fn start(&mut self, _header: &Header) -> std::io::Result<()> {
        Ok(())
    }

    fn item(&mut self, item: &Item) -> std::io::Result<()> {
        let r = item.result;
        let report = &mut self.report;
        report.total += 1;
        let status_index = match r.status {
            Status::Classified => 0,
            Status::Ambiguous => 1,
            Status::Unclassified => 2,
            Status::Error => 3,
        };
        self.status_counts[status_index] += 1;
        let finding_index = Finding::ALL
            .iter()
            .position(|&f| f == r.finding)
            .expect("every finding is listed");
        self.finding_counts[finding_index] += 1;
        let derived = match r.status {
            Status::Classified => {
                for &role in &r.chosen {
                    self.role_counts[role] += 1;
                }
                let column = Column::Held(r.chosen.len(), r.chosen.clone());
                *self.profile_counts.entry(column.clone()).or_insert(0) += 1;
                column
            }
            Status::Ambiguous => Column::Ambiguous,
            Status::Unclassified => Column::Unclassified,
            Status::Error => Column::Error,
        };
        let roles: Vec<usize> = crate::rules::roles_in(r.declared).collect();
        let declared = Declared {
            none: roles.is_empty(),
            count: roles.len(),
            roles,
        };
        let cell = self
            .matrix
            .entry((declared, derived))
            .or_insert((0, r.finding));
        cell.0 += 1;
        cell.1 = cell.1.min(r.finding);
        if r.status == Status::Classified && r.chosen.len() > 1 {
            if report.hybrids.len() < report.cap {
                report.hybrids.push(entry(item));
            } else {
                report.hybrids_left_out += 1;
            }
        }
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
