//! Writes a deterministic roster of N rows to standard output, for benchmarks:
//! `cargo run --release --example generate_roster -- 1000000 > roster.csv`.
//!
//! The mix covers every role of the built-in rules, hybrids and undecidable rows, and about 10%
//! messy values: odd case and spaces, synonyms, unknown values and empty cells.

use std::io::Write;

/// A small deterministic generator (SplitMix64), so the same N gives the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Textbook partners: declared role, transacts, sells_to, delivers, earns, activities, goods,
/// vendors, engagement.
const PROFILES: &[[&str; 9]] = &[
    [
        "Fulfillment Partner",
        "other_partner",
        "",
        "provisioning;implementation;integration",
        "service_fees",
        "",
        "software",
        "single",
        "project",
    ],
    [
        "Delivery Partner",
        "vendor",
        "",
        "provisioning;access_enablement",
        "service_fees",
        "",
        "software",
        "",
        "one_off",
    ],
    [
        "SI",
        "",
        "end_customers",
        "solution_design;integration;implementation",
        "project_fees",
        "",
        "software",
        "multiple",
        "project",
    ],
    [
        "MSP",
        "vendor",
        "end_customers",
        "operations;support",
        "recurring_fees",
        "",
        "software",
        "single",
        "ongoing",
    ],
    [
        "Reseller",
        "partner",
        "end_customers",
        "none",
        "resale_margin",
        "",
        "software",
        "single",
        "one_off",
    ],
    [
        "VAR",
        "partner",
        "end_customers",
        "implementation;training",
        "resale_margin",
        "",
        "software",
        "single",
        "project",
    ],
    [
        "Distributor",
        "partner",
        "resellers",
        "none",
        "volume;resale_margin",
        "",
        "software",
        "multiple",
        "ongoing",
    ],
    [
        "Referral Partner",
        "vendor",
        "",
        "none",
        "commission",
        "leads;introductions",
        "",
        "",
        "",
    ],
    [
        "Affiliate",
        "none",
        "",
        "none",
        "commission",
        "content;reviews",
        "software",
        "",
        "ongoing",
    ],
    [
        "Ambassador",
        "none",
        "",
        "none",
        "perks;recognition",
        "speaking;mentoring",
        "",
        "",
        "ongoing",
    ],
    [
        "OEM",
        "partner",
        "end_customers",
        "embedding",
        "product_revenue",
        "white_label",
        "software",
        "",
        "ongoing",
    ],
    [
        "Technology Partner",
        "none",
        "",
        "none",
        "none",
        "product_integration;co_marketing",
        "software",
        "",
        "",
    ],
    [
        "3PL",
        "vendor",
        "",
        "warehousing;pick_and_pack;shipping",
        "logistics_fees",
        "",
        "physical",
        "",
        "ongoing",
    ],
    [
        "Fulfillment Partner",
        "vendor",
        "",
        "warehousing;shipping;returns",
        "per-order fee",
        "",
        "physical",
        "single",
        "ongoing",
    ],
    [
        "VAR",
        "partner",
        "end_customers",
        "none",
        "margin",
        "",
        "software",
        "single",
        "one_off",
    ],
    [
        "Referral Partner",
        "vendor",
        "",
        "none",
        "commission",
        "leads;content",
        "",
        "",
        "",
    ],
    [
        "Distributor",
        "partner",
        "end_customers;resellers",
        "none",
        "resale_margin;volume",
        "",
        "software",
        "multiple",
        "ongoing",
    ],
    ["", "", "", "", "commission", "", "", "", ""],
    ["", "", "", "", "", "", "", "", ""],
];

/// Messy variants of clean values.
fn messy(rng: &mut Rng, value: &str) -> String {
    match rng.below(6) {
        0 => value.to_uppercase(),
        1 => format!("  {}  ", value.replace('_', " ")),
        2 => value.replace('_', "-"),
        3 => match value {
            "resale_margin" => "Margin".into(),
            "service_fees" => "Service Fees".into(),
            "end_customers" => "End Users".into(),
            "partner" => "self".into(),
            "implementation" => "Deployment".into(),
            other => other.to_string(),
        },
        4 => format!("{value};bananas"),
        _ => String::new(),
    }
}

fn main() -> std::io::Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let mut rng = Rng(rows as u64 ^ 0x5EED);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    writeln!(
        out,
        "partner_id,partner_name,declared_role,transacts,sells_to,delivers,earns,activities,goods,vendors,engagement,region,notes"
    )?;
    let regions = ["EMEA", "AMER", "APAC", "LATAM"];
    for i in 0..rows {
        let profile = PROFILES[rng.below(PROFILES.len())];
        let mut cells: Vec<String> = profile.iter().map(|s| s.to_string()).collect();
        if rng.below(10) == 0 {
            let k = 1 + rng.below(8);
            cells[k] = messy(&mut rng, &cells[k]);
        }
        let region = rng.pick(&regions);
        let quote = |s: &str| {
            if s.contains([',', '"']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        writeln!(
            out,
            "P{i:07},Partner {i} Ltd,{},{},{},{},{region},note {}",
            cells
                .iter()
                .take(1)
                .map(|s| quote(s))
                .collect::<Vec<_>>()
                .join(","),
            cells[1..5]
                .iter()
                .map(|s| quote(s))
                .collect::<Vec<_>>()
                .join(","),
            cells[5..8]
                .iter()
                .map(|s| quote(s))
                .collect::<Vec<_>>()
                .join(","),
            quote(&cells[8]),
            i % 97
        )?;
    }
    out.flush()
}
