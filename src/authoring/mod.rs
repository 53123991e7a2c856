//! Tools for people who write rules: the impact of a rule change on a roster (`diff`), rule
//! tests (`rule_tests`), lint of the phrases of text (`phrases`) and static analysis (`lint`).
//!
//! Owns: comparing rule sets, running rule tests, proofs over the finite vocabulary.
//! Must not touch: CSV parsing details, output formats of `classify`.

pub mod diff;
pub mod lint;
pub mod phrases;
pub mod rule_tests;
