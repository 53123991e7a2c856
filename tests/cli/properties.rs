//! Properties over generated rosters (proptest), through the library: one record per row,
//! classification independent of row order and of column order, normalization idempotent.

use partner_roles::normalize::normalize_token;
use partner_roles::output::{Format, writer_for};
use partner_roles::pipeline;
use partner_roles::rules::RuleSet;
use proptest::prelude::*;
use std::sync::OnceLock;

const COLUMNS: [&str; 9] = [
    "partner_id",
    "transacts",
    "sells_to",
    "delivers",
    "earns",
    "activities",
    "goods",
    "vendors",
    "engagement",
];

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules load"))
}

/// Cell texts per fact column: canonical values, synonyms in odd case, junk, and empty.
fn cell(column: usize) -> BoxedStrategy<String> {
    let choices: &[&str] = match COLUMNS[column] {
        "transacts" => &[
            "partner",
            "Vendor",
            "other_partner",
            "none",
            "",
            "self",
            "banana",
        ],
        "sells_to" => &[
            "end_customers",
            "resellers",
            "End Customers;Retailers",
            "",
            "x",
        ],
        "delivers" => &[
            "provisioning;implementation",
            "operations|support",
            "warehousing;shipping",
            "none",
            "embedding",
            "solution_design,integration",
            "",
            "Pick-and-Pack",
        ],
        "earns" => &[
            "service_fees",
            "margin",
            "volume;resale_margin",
            "commission",
            "logistics_fees",
            "recurring_fees",
            "product_revenue",
            "perks",
            "none",
            "",
            "??",
        ],
        "activities" => &[
            "leads",
            "content;ads",
            "speaking",
            "product_integration;co_marketing",
            "white_label",
            "",
        ],
        "goods" => &["software", "physical", "", "SaaS"],
        "vendors" => &["single", "multiple", ""],
        "engagement" => &["one_off", "project", "ongoing", ""],
        _ => &[""],
    };
    proptest::sample::select(choices.to_vec())
        .prop_map(str::to_string)
        .boxed()
}

fn row() -> impl Strategy<Value = Vec<String>> {
    (1..COLUMNS.len()).map(cell).collect::<Vec<_>>()
}

fn to_csv(columns: &[usize], rows: &[(usize, Vec<String>)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns.iter().map(|&c| COLUMNS[c]))
        .expect("header");
    for (id, cells) in rows {
        let record: Vec<String> = columns
            .iter()
            .map(|&c| {
                if c == 0 {
                    format!("id{id}")
                } else {
                    cells[c - 1].clone()
                }
            })
            .collect();
        w.write_record(&record).expect("row");
    }
    String::from_utf8(w.into_inner().expect("flush")).expect("utf-8")
}

/// Classifies and returns each record as JSON keyed by id, without the line number.
fn classify(csv: &str) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    {
        let mut writer = writer_for(Format::Jsonl, Box::new(&mut out));
        pipeline::run(
            rules(),
            csv.as_bytes(),
            "prop",
            Default::default(),
            writer.as_mut(),
        )
        .expect("runs");
    }
    String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("json");
            v.as_object_mut().expect("object").remove("line");
            (v["partner_id"].as_str().expect("id").to_string(), v)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn one_record_per_row_and_independent_of_row_order(rows in proptest::collection::vec(row(), 1..30), seed in any::<u64>()) {
        let rows: Vec<(usize, Vec<String>)> = rows.into_iter().enumerate().collect();
        let columns: Vec<usize> = (0..COLUMNS.len()).collect();
        let first = classify(&to_csv(&columns, &rows));
        prop_assert_eq!(first.len(), rows.len());
        let mut shuffled = rows.clone();
        // A deterministic shuffle from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        let mut second = classify(&to_csv(&columns, &shuffled));
        let mut first_sorted = first.clone();
        first_sorted.sort_by(|a, b| a.0.cmp(&b.0));
        second.sort_by(|a, b| a.0.cmp(&b.0));
        prop_assert_eq!(first_sorted, second);
    }

    #[test]
    fn independent_of_column_order(rows in proptest::collection::vec(row(), 1..10), columns in Just((0..COLUMNS.len()).collect::<Vec<_>>()).prop_shuffle()) {
        let rows: Vec<(usize, Vec<String>)> = rows.into_iter().enumerate().collect();
        let natural: Vec<usize> = (0..COLUMNS.len()).collect();
        let a = classify(&to_csv(&natural, &rows));
        let b = classify(&to_csv(&columns, &rows));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn normalization_is_idempotent(text in "\\PC{0,40}") {
        let once = normalize_token(&text);
        prop_assert_eq!(normalize_token(&once), once.clone());
    }

    #[test]
    fn every_record_has_reasons(rows in proptest::collection::vec(row(), 1..20)) {
        let rows: Vec<(usize, Vec<String>)> = rows.into_iter().enumerate().collect();
        let columns: Vec<usize> = (0..COLUMNS.len()).collect();
        for (_, rec) in classify(&to_csv(&columns, &rows)) {
            prop_assert!(rec["reasons"].as_array().is_some_and(|r| !r.is_empty()), "{}", rec);
            let status = rec["status"].as_str().unwrap_or("");
            prop_assert_eq!(rec["role"].is_string(), status == "classified");
        }
    }
}

/// The pairs of roles the built-in taxonomy lets one partner hold, read from its YAML.
fn combinations() -> &'static Vec<(String, String)> {
    static PAIRS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/taxonomy.yaml"),
        )
        .expect("taxonomy");
        let doc: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
        doc["taxonomy"]["combinations"]
            .as_array()
            .expect("combinations")
            .iter()
            .map(|c| {
                let roles = c["roles"].as_array().expect("roles");
                (
                    roles[0].as_str().expect("id").to_string(),
                    roles[1].as_str().expect("id").to_string(),
                )
            })
            .collect()
    })
}

fn combined(a: &str, b: &str) -> bool {
    combinations()
        .iter()
        .any(|(x, y)| (x == a && y == b) || (x == b && y == a))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A classified record holds roles that the taxonomy lets one partner hold together, and
    /// an ambiguous one has two fitting roles that it does not.
    #[test]
    fn profiles_follow_the_taxonomy(rows in proptest::collection::vec(row(), 1..30)) {
        let rows: Vec<(usize, Vec<String>)> = rows.into_iter().enumerate().collect();
        let columns: Vec<usize> = (0..COLUMNS.len()).collect();
        for (_, rec) in classify(&to_csv(&columns, &rows)) {
            let roles: Vec<&str> = rec["roles"].as_array().expect("roles").iter().map(|r| r.as_str().expect("id")).collect();
            match rec["status"].as_str().expect("status") {
                "classified" => {
                    prop_assert!(!roles.is_empty(), "{}", rec);
                    for (i, a) in roles.iter().enumerate() {
                        for b in &roles[i + 1..] {
                            prop_assert!(combined(a, b), "{} with {} in {}", a, b, rec);
                        }
                    }
                }
                "ambiguous" => {
                    prop_assert!(roles.is_empty());
                    let fits: Vec<&str> = rec["candidates"].as_array().expect("candidates").iter()
                        .filter(|c| c["fit"] == "fits")
                        .map(|c| c["role"].as_str().expect("id"))
                        .collect();
                    let conflict = fits.iter().enumerate().any(|(i, a)| fits[i + 1..].iter().any(|b| !combined(a, b)));
                    prop_assert!(conflict, "{}", rec);
                }
                _ => prop_assert!(roles.is_empty()),
            }
        }
    }

    /// Declaring exactly the roles a record holds, written as the `role` column writes them,
    /// makes the audit agree.
    #[test]
    fn declaring_the_held_profile_agrees(rows in proptest::collection::vec(row(), 1..20)) {
        let rows: Vec<(usize, Vec<String>)> = rows.into_iter().enumerate().collect();
        let columns: Vec<usize> = (0..COLUMNS.len()).collect();
        let csv = to_csv(&columns, &rows);
        let first = classify(&csv);
        let mut declared = String::new();
        for (line, (_, rec)) in csv.lines().zip(std::iter::once((String::new(), serde_json::Value::Null)).chain(first.iter().cloned())) {
            if rec.is_null() {
                declared.push_str(&format!("{line},declared_role\n"));
            } else {
                declared.push_str(&format!("{line},{}\n", rec["role"].as_str().unwrap_or("")));
            }
        }
        for ((_, before), (_, after)) in first.iter().zip(classify(&declared)) {
            prop_assert_eq!(&before["roles"], &after["roles"]);
            if before["status"] == "classified" {
                prop_assert_eq!(after["finding"].as_str(), Some("agree"), "{}", after);
            }
        }
    }
}

/// The confidence of each held role, by id.
fn held_confidence(rec: &serde_json::Value) -> std::collections::BTreeMap<String, f64> {
    rec["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .filter_map(|c| Some((c["role"].as_str()?.to_string(), c["confidence"].as_f64()?)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Learning a fact that agrees with a held role (it stays held, and no typical condition of
    /// it turns out unmet) never lowers that role's confidence; a record's confidence is never
    /// above its weakest held role's.
    #[test]
    fn confidence_only_grows_with_agreeing_facts(row in row(), column in 1..COLUMNS.len(), pick in any::<proptest::sample::Index>()) {
        let columns: Vec<usize> = (0..COLUMNS.len()).collect();
        let before = classify(&to_csv(&columns, &[(0, row.clone())]));
        let rec = &before[0].1;
        let held = held_confidence(rec);
        if let Some(weakest) = held.values().copied().reduce(f64::min) {
            prop_assert!(rec["confidence"].as_f64().expect("confidence") <= weakest + 1e-9, "{}", rec);
        }
        // Fill one empty fact cell with one of its values.
        if !row[column - 1].trim().is_empty() {
            return Ok(());
        }
        let values = ["partner", "vendor", "other_partner", "none", "end_customers", "resellers", "provisioning", "implementation", "operations", "warehousing", "service_fees", "resale_margin", "volume", "commission", "recurring_fees", "leads", "content", "software", "physical", "single", "multiple", "project", "ongoing"];
        let mut learned = row.clone();
        learned[column - 1] = pick.get(&values).to_string();
        let after = classify(&to_csv(&columns, &[(0, learned)]));
        let new = &after[0].1;
        let reasons = new["reasons"].to_string();
        for (role, old) in &held {
            let now = held_confidence(new);
            let Some(now) = now.get(role) else { continue };
            if reasons.contains(&format!("An atypical {role}")) && !rec["reasons"].to_string().contains(&format!("An atypical {role}")) {
                continue;
            }
            prop_assert!(*now + 1e-9 >= *old, "{}: {} -> {}\nbefore {}\nafter {}", role, old, now, rec, new);
        }
    }
}

/// The caches and the threads never change an answer: every record of a diverse roster (a long
/// tail of spellings, hybrids, descriptions in words; written by `examples/generate_roster.rs
/// 1500 diverse descriptions`) as the binary writes it, on three classifying threads sharing
/// their caches, equals the record classified alone by the library, with no cache at all.
#[test]
fn cached_and_threaded_answers_equal_fresh_ones() {
    use partner_roles::facts::{SeenIds, read_record};
    use partner_roles::roster::{RosterReader, Row};
    let path = crate::support::fixture("diverse-roster.csv");
    let out = crate::support::stdout_of(crate::support::bin().args([
        "classify",
        path.to_str().expect("path"),
        "--format",
        "jsonl",
        "--threads",
        "3",
        "-q",
    ]));
    let got: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    let rules = rules();
    let file = std::fs::File::open(&path).expect("fixture");
    let mut reader = RosterReader::new(file, "diverse-roster.csv", None).expect("header");
    let header = partner_roles::facts::ColumnMap::new(reader.header().clone(), rules);
    let mut seen = SeenIds::default();
    let mut row = Row::default();
    let mut n = 0;
    while reader.read_row(&mut row) {
        let record = read_record(rules, &header, &row, &mut seen);
        let fresh = partner_roles::engine::classify(rules, &record);
        let mut want = serde_json::to_value(&fresh).expect("serializes");
        let mut have = got[n].clone();
        have.as_object_mut().expect("object").remove("extra");
        want.as_object_mut().expect("object").remove("extra");
        assert_eq!(have, want, "record {n} (line {})", row.line);
        n += 1;
    }
    assert_eq!(n, got.len(), "one record per row");
    assert!(n >= 1000, "the fixture is a roster of some size");
}

/// The CSV a run writes, cached and threaded, is byte for byte the CSV the csv crate writes for
/// each record classified alone by the library (no decision cache, no memo of renderings, no
/// shared sentences), its cells laid out by hand from the classification as the contract
/// describes them: over the diverse roster, on three classifying threads, guarded and `--raw`.
#[test]
fn cached_and_threaded_csv_equals_fresh_csv() {
    csv_equals_fresh_csv(&crate::support::fixture("diverse-roster.csv"));
}

/// The same on a roster where no pattern comes back (the diverse roster five times, each row
/// declaring its role in words of its own): once a classifying thread has missed 2,048 times
/// its decisions are no longer kept and their sentences not shared, and the writers take their
/// slow path for them.
#[test]
fn csv_of_patterns_that_never_return_equals_fresh_csv() {
    let source = crate::support::fixture("diverse-roster.csv");
    let mut reader = csv::Reader::from_path(&source).expect("fixture");
    let header = reader.headers().expect("header").clone();
    let declared = header
        .iter()
        .position(|h| h == "declared_role")
        .expect("declared_role column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("never-again.csv");
    let mut out = csv::Writer::from_path(&path).expect("roster");
    out.write_record(&header).expect("header");
    for copy in 0..5 {
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c == declared {
                        format!("{cell} (entry {copy}-{i})")
                    } else {
                        cell.to_string()
                    }
                })
                .collect();
            out.write_record(&cells).expect("row");
        }
    }
    out.flush().expect("flush");
    csv_equals_fresh_csv(&path);
}

/// The same on a roster whose prose and fact cells hold what CSV and terminals treat
/// specially (quotes, commas, line breaks, control and bidirectional characters), so that the
/// record's own reasons (evidence quoted from its text, ignored values) need escaping as
/// they are written after the decision's. Every other row has its fact cells emptied, so its
/// facts come from its description, whose quoted words hold those characters.
#[test]
fn csv_of_hostile_own_reasons_equals_fresh_csv() {
    let source = crate::support::fixture("diverse-roster.csv");
    let mut reader = csv::Reader::from_path(&source).expect("fixture");
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} column"))
    };
    let (description, delivers) = (column("Description"), column("delivers"));
    let declared = column("declared_role");
    let facts = column("transacts")..=column("engagement");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hostile-own-reasons.csv");
    let mut out = csv::Writer::from_path(&path).expect("roster");
    out.write_record(&header).expect("header");
    let marks = [
        "\u{1b}[31mred",
        "\u{202e}reversed",
        "\"quoted\", with commas,",
        "\r\nsecond line",
        "plain",
    ];
    for (i, row) in rows.iter().enumerate() {
        let mark = marks[i % marks.len()];
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| match c {
                _ if c == delivers && i % 3 == 0 => format!("ba\"na,nas\u{7}{mark}"),
                // Nothing known and nothing declared: reasons that need no quotes but for the
                // sentence about the ignored value.
                _ if i % 7 == 0 && (c == description || c == declared || facts.contains(&c)) => {
                    String::new()
                }
                _ if c == description => cell.replacen(' ', &format!(" {mark} "), 1),
                _ if i % 2 == 0 && facts.contains(&c) => String::new(),
                _ => cell.to_string(),
            })
            .collect();
        out.write_record(&cells).expect("row");
    }
    out.flush().expect("flush");
    let evidence = crate::support::stdout_of(crate::support::bin().args([
        "classify",
        path.to_str().expect("path"),
        "--format",
        "csv",
        "-q",
    ]));
    assert!(
        evidence.contains("\\u{202e}reversed") && evidence.contains("From the text:"),
        "some own reasons quote the hostile words"
    );
    csv_equals_fresh_csv(&path);
}

fn csv_equals_fresh_csv(path: &std::path::Path) {
    use partner_roles::facts::{ColumnMap, SeenIds, read_record};
    use partner_roles::output::{looks_like_formula, visible};
    use partner_roles::roster::{RosterReader, Row};
    let rules = rules();
    for raw in [false, true] {
        let mut args = vec![
            "classify",
            path.to_str().expect("path"),
            "--format",
            "csv",
            "--threads",
            "3",
            "-q",
        ];
        if raw {
            args.push("--raw");
        }
        let got = crate::support::stdout_of(crate::support::bin().args(&args));
        let shown = |cell: &str| -> String {
            if raw {
                return cell.to_string();
            }
            let v = visible(cell).into_owned();
            if looks_like_formula(&v) {
                format!("'{v}")
            } else {
                v
            }
        };
        let file = std::fs::File::open(path).expect("fixture");
        let mut reader = RosterReader::new(file, "roster", None).expect("header");
        let columns = ColumnMap::new(reader.header().clone(), rules);
        let width = columns.header.names.len();
        assert!(
            columns.header.names.iter().any(|n| n == "partner_id"),
            "the roster has ids: no partner_id column is added"
        );
        let mut seen = SeenIds::default();
        let mut row = Row::default();
        let mut want = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut n = 0;
        while reader.read_row(&mut row) {
            let record = read_record(rules, &columns, &row, &mut seen);
            let r = partner_roles::engine::classify(rules, &record);
            let mut cells: Vec<String> = (0..width)
                .map(|i| shown(row.cell(i).unwrap_or("")))
                .collect();
            let candidates: Vec<String> = r
                .candidates
                .iter()
                .map(|c| format!("{} {:.2}", c.role, c.score))
                .collect();
            let reasons: Vec<&str> = r.reasons().collect();
            cells.extend(
                [
                    r.status.as_str().to_string(),
                    r.roles.join(";"),
                    r.role.clone().unwrap_or_default(),
                    r.category.clone().unwrap_or_default(),
                    r.channel_partner.to_string(),
                    format!("{:.2}", r.confidence),
                    candidates.join(", "),
                    reasons.join(" | "),
                    r.declaration.declared_role.clone().unwrap_or_default(),
                    r.matches_declared
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                    r.finding.as_str().to_string(),
                    r.warnings.join(" | "),
                ]
                .iter()
                .map(|c| shown(c)),
            );
            want.write_record(&cells).expect("row");
            n += 1;
        }
        assert!(n >= 1000, "a roster of some size");
        let want = String::from_utf8(want.into_inner().expect("flush")).expect("utf-8");
        let body = &got[got.find('\n').expect("a header line") + 1..];
        if body != want {
            let (g, w): (Vec<&str>, Vec<&str>) = (body.lines().collect(), want.lines().collect());
            let at = g
                .iter()
                .zip(&w)
                .position(|(a, b)| a != b)
                .unwrap_or(g.len().min(w.len()));
            panic!(
                "raw {raw}: line {} differs\nrun:   {:?}\nalone: {:?}",
                at + 2,
                g.get(at),
                w.get(at)
            );
        }
    }
}

/// A roster of random rows for the wire test: ids, names and notes with quotes, backslashes,
/// control and bidirectional characters and non-ASCII text beside random fact cells, and a
/// description in words.
fn wire_roster(rows: &[(Vec<String>, String, String)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(["partner_name", "description", "region"]);
    w.write_record(&header).expect("header");
    for (i, (cells, name, words)) in rows.iter().enumerate() {
        let mut record = vec![format!("id{i}{}", name.chars().take(1).collect::<String>())];
        record.extend(cells.iter().cloned());
        record.extend([name.clone(), words.clone(), name.chars().rev().collect()]);
        w.write_record(&record).expect("row");
    }
    String::from_utf8(w.into_inner().expect("flush")).expect("utf-8")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// One wire type: every record the fast JSON Lines and JSON writers produce equals the
    /// `Serialize` form of the same classification made by the library alone (the carried
    /// columns, `extra`, are the writers' own), over random rows with hostile text.
    #[test]
    fn json_writers_write_the_serialize_form(
        rows in proptest::collection::vec((
            row(),
            "[a-zA-Z \"\\\\/\u{1}\u{1b}\u{7f}\u{85}\u{202e}\u{2028}é€𝄞<>&=]{0,12}",
            proptest::sample::select(vec![
                "", "Resells licences and runs implementation projects.",
                "Does not resell; refers leads for a commission.",
                "Warehousing, picking and shipping of physical goods \"3PL\".",
            ]),
        ), 1..12),
    ) {
        use partner_roles::facts::{ColumnMap, SeenIds, read_record};
        use partner_roles::roster::{RosterReader, Row};
        let rows: Vec<(Vec<String>, String, String)> =
            rows.into_iter().map(|(c, n, w)| (c, n, w.to_string())).collect();
        let roster = wire_roster(&rows);
        let rules = rules();
        let mut want = Vec::new();
        let mut reader = RosterReader::new(roster.as_bytes(), "wire", Some(b',')).expect("header");
        let columns = ColumnMap::new(reader.header().clone(), rules);
        let mut seen = SeenIds::default();
        let mut row = Row::default();
        while reader.read_row(&mut row) {
            let record = read_record(rules, &columns, &row, &mut seen);
            let classified = partner_roles::engine::classify(rules, &record);
            want.push(serde_json::to_value(&classified).expect("serializes"));
        }
        for format in [Format::Jsonl, Format::Json] {
            let mut out = Vec::new();
            {
                let mut writer = writer_for(format, Box::new(&mut out));
                let options = pipeline::RunOptions { delimiter: Some(b','), ..Default::default() };
                pipeline::run(rules, roster.as_bytes(), "wire", options, writer.as_mut()).expect("runs");
            }
            let text = String::from_utf8(out).expect("utf-8");
            let got: Vec<serde_json::Value> = match format {
                Format::Json => serde_json::from_str::<Vec<serde_json::Value>>(&text).expect("a JSON array"),
                _ => text.lines().map(|l| serde_json::from_str(l).expect("one JSON record a line")).collect(),
            };
            prop_assert_eq!(got.len(), want.len());
            for (have, want) in got.iter().zip(&want) {
                let mut have = have.clone();
                let extra = have.as_object_mut().expect("object").remove("extra");
                prop_assert!(extra.is_some_and(|e| e.get("region").is_some()), "carried columns in extra");
                prop_assert_eq!(&have, want, "{:?}", format);
            }
        }
    }
}
