//! Arbitrary bytes as a roster: the reader and the whole pipeline must not panic; every line of
//! output is one record; and when no quoted cell is left open (such a row becomes an error
//! record and reading resumes on the next line, where the csv crate runs on to the end), the
//! number of records is the csv crate's count of the same bytes, an independent parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_roles::output::{Format, writer_for};
use partner_roles::pipeline;
use partner_roles::rules::RuleSet;

fuzz_target!(|data: &[u8]| {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules"));
    let mut out = Vec::new();
    let options = pipeline::RunOptions {
        delimiter: Some(b','),
        ..Default::default()
    };
    let result = {
        let mut writer = writer_for(Format::Jsonl, Box::new(&mut out));
        pipeline::run(rules, data, "fuzz", options, writer.as_mut())
    };
    if result.is_err() {
        return;
    }
    let text = String::from_utf8(out).expect("the output is UTF-8");
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is one JSON record"))
        .collect();
    let open_quote = records.iter().any(|r| {
        r["reasons"][0]
            .as_str()
            .is_some_and(|s| s.contains("a quoted cell opens here") || s.contains("longer than"))
    });
    // A UTF-16 roster is decoded first; the csv crate reads its raw bytes.
    if open_quote || data.starts_with(&[0xff, 0xfe]) || data.starts_with(&[0xfe, 0xff]) {
        return;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data);
    let mut expected = 0usize;
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        expected += 1;
    }
    assert_eq!(records.len(), expected, "records out = the csv crate's records in");
});
