//! In-process benchmarks (divan): the engine on one record, cold and warm, and the whole
//! pipeline on an in-memory roster. Whole-process figures against the floor come from
//! `bench/run.sh`. Run with `cargo bench --bench engine`.

use partner_roles::engine::{Classifier, classify};
use partner_roles::facts::{Given, record_from_given};
use partner_roles::output::{Format, writer_for};
use partner_roles::pipeline;
use partner_roles::rules::RuleSet;

fn main() {
    divan::main();
}

fn rules() -> RuleSet {
    RuleSet::builtin().expect("built-in rules")
}

fn var_record(rules: &RuleSet) -> partner_roles::facts::Record {
    let facts = [
        ("transacts".to_string(), "partner".to_string()),
        ("sells_to".to_string(), "end_customers".to_string()),
        ("earns".to_string(), "margin".to_string()),
        (
            "delivers".to_string(),
            "implementation;training".to_string(),
        ),
    ];
    record_from_given(
        rules,
        &Given {
            id: "P1",
            name: None,
            declared: Some("Reseller"),
            facts: &facts,
        },
    )
    .expect("record")
}

/// One record, evaluated, decided and explained from scratch.
#[divan::bench]
fn classify_one_cold(bencher: divan::Bencher) {
    let rules = rules();
    let record = var_record(&rules);
    bencher.bench_local(|| classify(&rules, divan::black_box(&record)));
}

/// One record whose pattern the classifier has seen: the shared decision is reused.
#[divan::bench]
fn classify_one_warm(bencher: divan::Bencher) {
    let rules = rules();
    let record = var_record(&rules);
    let mut classifier = Classifier::new(&rules);
    classifier.classify(&record);
    bencher.bench_local(|| classifier.classify(divan::black_box(&record)));
}

/// Loading and compiling the built-in rule set (paid at every start).
#[divan::bench]
fn load_builtin_rules() -> RuleSet {
    rules()
}

/// The sample roster, repeated to 10,000 rows with unique ids, through `classify --format csv`
/// into memory.
#[divan::bench(sample_count = 20)]
fn pipeline_csv_10k(bencher: divan::Bencher) {
    let rules = rules();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sample-roster.csv"
    ))
    .expect("sample");
    let mut lines = sample.lines();
    let header = lines.next().expect("header");
    let body: Vec<&str> = lines.collect();
    let mut roster = format!("{header}\n");
    for i in 0..10_000 {
        let line = body[i % body.len()];
        let rest = line.split_once(',').map(|(_, r)| r).unwrap_or("");
        roster.push_str(&format!("B{i},{rest}\n"));
    }
    bencher.bench_local(|| {
        let mut out = Vec::with_capacity(8 << 20);
        {
            let mut writer = writer_for(Format::Csv, Box::new(&mut out));
            pipeline::run(
                &rules,
                roster.as_bytes(),
                "bench",
                Default::default(),
                writer.as_mut(),
            )
            .expect("runs");
        }
        out.len()
    });
}
