//! Embedding partner-roles in a program of your own: a sign-up hook that classifies one partner,
//! and a sync job that streams a roster from any reader to any writer.
//!
//! `cargo run --example embed`

use partner_roles::output::{Format, writer_for};
use partner_roles::{RuleSet, classify_partner, pipeline};

fn main() -> Result<(), partner_roles::Error> {
    // Load the rules once (the built-in set; `RuleSet::load(path)` or `RuleSet::from_yaml(text)`
    // for your own) and share them.
    let rules = RuleSet::builtin()?;

    // One partner, say at sign-up, from the answers of a form.
    let partner = classify_partner(
        &rules,
        &[
            ("transacts", "another partner"),
            ("delivers", "provisioning, implementation, integration"),
            ("earns", "service fees"),
            ("goods", "SaaS"),
            ("vendors", "single"),
        ],
    )?;
    println!(
        "sign-up: {} ({}), confidence {:.2}",
        partner.role.as_deref().unwrap_or("no role"),
        partner.status.as_str(),
        partner.confidence
    );
    for reason in partner.reasons() {
        println!("  - {reason}");
    }

    // A whole roster, streamed from a reader to a writer (here: a string to standard output as
    // JSON Lines). Every row yields one record, in order.
    let roster = "\
partner_id,partner_name,declared_role,transacts,sells_to,earns,delivers
P1,Acme Resale,VAR,partner,end customers,margin,none
P2,Parcel Co,Fulfillment Partner,vendor,,per-order fee,warehousing;shipping
";
    let stdout = std::io::stdout();
    let mut writer = writer_for(Format::Jsonl, Box::new(stdout.lock()));
    let summary = pipeline::run(
        &rules,
        roster.as_bytes(),
        "sync job",
        Default::default(),
        writer.as_mut(),
    )?;
    drop(writer);
    eprintln!("sync: {}", summary.line());
    assert_eq!(summary.rows, summary.written);
    Ok(())
}
