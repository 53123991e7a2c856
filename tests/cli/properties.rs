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
