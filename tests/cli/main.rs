//! One integration test binary driving the real `partner-roles` binary (and, for the
//! properties, the library). Modules by subject; cases come from files under `fixtures/`.

mod adversarial;
mod architecture;
mod audit;
mod authoring;
mod browser;
mod check;
mod classify;
mod corpora;
mod ecosystem;
mod errors;
mod explain;
mod formats;
mod golden;
mod hostile;
mod lint;
mod parallel;
mod plain_words;
mod properties;
mod readme;
mod report;
mod rules;
mod serve;
mod spreadsheets;
mod support;
mod text_evidence;
mod words;
