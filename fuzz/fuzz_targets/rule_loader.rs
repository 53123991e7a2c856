//! Arbitrary text as a rule file: loading must not panic; it is accepted or rejected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_roles::rules::RuleSet;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RuleSet::from_yaml(text);
    }
});
