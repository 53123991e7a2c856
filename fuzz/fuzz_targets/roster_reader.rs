//! Arbitrary bytes as a roster: the reader and the whole pipeline must not panic, and every
//! record the CSV parser sees must come out once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_roles::output::{Format, writer_for};
use partner_roles::pipeline;
use partner_roles::rules::RuleSet;

fuzz_target!(|data: &[u8]| {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules"));
    let mut out = Vec::new();
    let mut writer = writer_for(Format::Jsonl, Box::new(&mut out));
    if let Ok(summary) = pipeline::run(rules, data, "fuzz", Default::default(), writer.as_mut()) {
        assert_eq!(summary.rows, summary.written);
    }
});
