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

/// The records of the diverse fixture (a long tail of spellings, hybrids, descriptions in words),
/// read once, each with its facts as read.
fn diverse_records(rules: &RuleSet) -> Vec<partner_roles::facts::Record> {
    use partner_roles::facts::{ColumnMap, SeenIds, read_record};
    use partner_roles::roster::{RosterReader, Row};
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/diverse-roster.csv"
    ))
    .expect("fixture");
    let mut reader = RosterReader::new(file, "diverse", None).expect("header");
    let columns = ColumnMap::new(reader.header().clone(), rules);
    let mut seen = SeenIds::default();
    let mut row = Row::default();
    let mut records = Vec::new();
    while reader.read_row(&mut row) {
        records.push(read_record(rules, &columns, &row, &mut seen));
    }
    records
}

/// Classify and explain (reasons included) a pattern never seen: every record of the diverse
/// fixture through a fresh classifier, so each distinct fact pattern is decided anew. divan
/// prints the time per record; the fixture's records are nearly all distinct patterns.
#[divan::bench(sample_count = 20)]
fn classify_new_patterns(bencher: divan::Bencher) {
    let rules = rules();
    let records = diverse_records(&rules);
    bencher
        .counter(divan::counter::ItemsCount::new(records.len()))
        .bench_local(|| {
            let mut classifier = Classifier::new(&rules);
            let mut n = 0;
            for record in &records {
                n += classifier
                    .classify(divan::black_box(record))
                    .reasons()
                    .count();
            }
            n
        });
}

/// Reading one row whose only prose cell is its note: the fold, the search for phrases and the
/// reading of any found. The notes of the benchmark rosters, and a description that states
/// facts; the empty note is the cost of the rest of the row.
#[divan::bench(sample_count = 200, sample_size = 64, args = [
    "",
    "note 90",
    "Onboarded 2022, reviewed by ops",
    "Renewal due Q2\nOwner: 7, EMEA",
    "We resell the vendor's licences and run managed services, but we do not ship hardware.",
])]
fn read_note(bencher: divan::Bencher, note: &str) {
    use partner_roles::facts::{ColumnMap, SeenIds, read_record};
    use partner_roles::roster::{RosterReader, Row};
    let rules = rules();
    let header = "partner_id,partner_name,notes\n".as_bytes();
    let reader = RosterReader::new(header, "notes", None).expect("header");
    let columns = ColumnMap::new(reader.header().clone(), &rules);
    let mut seen = SeenIds::default();
    let mut n = 0u64;
    bencher
        .with_inputs(|| {
            n += 1;
            Row::new(n + 1, &[format!("P{n}").as_str(), "Partner 1 Ltd", note])
        })
        .bench_local_refs(|row| read_record(&rules, &columns, row, &mut seen));
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

/// The duplicate-id check over a million distinct ids, then every tenth again (a duplicate), in
/// batches of 256 as a run checks them: the time per id of a run's id set at a million rows.
#[divan::bench(sample_count = 5)]
fn seen_ids_1m(bencher: divan::Bencher) {
    let ids: Vec<String> = (0..1_000_000).map(|i| format!("P{i:07}")).collect();
    bencher.bench_local(|| {
        let mut seen = partner_roles::facts::SeenIds::default();
        let (mut duplicates, mut found) = (0, Vec::new());
        let all: Vec<Option<&str>> = ids
            .iter()
            .chain(ids.iter().step_by(10))
            .map(|id| Some(id.as_str()))
            .collect();
        // In batches, as a run checks them.
        for batch in all.chunks(256) {
            seen.check_many(batch, &mut found);
            duplicates += found.iter().filter(|&&d| d).count();
        }
        assert_eq!(duplicates, 100_000);
        duplicates
    });
}
