//! Writes a deterministic roster of N rows to standard output, for benchmarks:
//! `cargo run --release --example generate_roster -- 1000000 [diverse|repetitive|all-new]
//! [descriptions] [exported] > roster.csv` (`descriptions`: a Description column of about 150
//! characters; `exported`: every cell quoted and CRLF line ends, as CRM exports write them).
//! The counts of distinct patterns go to standard error.
//!
//! Three mixes:
//! - `diverse` (the default): rosters as people keep them, with a long tail. Each row starts
//!   from a textbook partner; 30% spell the declared role another way (~50 spellings: names, ids,
//!   tiers, several roles in one cell, typos), and each fact cell may take another spelling
//!   (odd case, spaces, hyphens, synonyms, unknown values), an extra value from the vocabulary
//!   and its synonyms with another separator, or be empty. Names hold commas and quotes, notes
//!   hold commas and sometimes line breaks (quoted cells in over a third of the rows). The counts
//!   it prints say how many distinct patterns a file has.
//! - `repetitive`: textbook partners of every role, hybrids and undecidable rows, and about 10%
//!   messy values (a few hundred patterns: the cache does most of the work).
//! - `all-new`: every fact drawn at random from all its values, so nearly every row is a
//!   pattern never seen before.

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

/// Distinct patterns of a roster, counted while it is written: the declared role and fact cells
/// as written, and the facts and declared roles they read as.
struct Patterns {
    raw: std::collections::HashSet<u64>,
    facts: std::collections::HashSet<(partner_roles::facts::Facts, u64)>,
    quoted_rows: usize,
}

fn fingerprint(cells: &[String]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    cells.hash(&mut h);
    h.finish()
}

const DECLARED: &[&str] = &[
    "Fulfillment Partner",
    "Fulfilment partner (EMEA)",
    "Delivery Partner",
    "Activation Partner",
    "SI",
    "Systems Integrator",
    "GSI",
    "Global SI",
    "MSP",
    "Managed Service Provider",
    "MSSP",
    "Reseller",
    "Gold Reseller",
    "Reseller - Tier 2",
    "Authorized Reseller",
    "resller",
    "VAR",
    "Value-Added Reseller",
    "Solution Provider",
    "VAR/MSP",
    "VAR & MSP",
    "Reseller;Managed Service Provider",
    "Distributor",
    "Disti",
    "Distributor/3PL",
    "Reseller + Distributor",
    "Referral Partner",
    "Referrer",
    "Affiliate",
    "Affiliate & Ambassador",
    "Ambassador",
    "Community Champion",
    "OEM",
    "White-Label Partner",
    "Technology Partner",
    "ISV Partner",
    "3PL",
    "Logistics Partner",
    "Fulfillment Center",
    "Partner",
    "Channel Partner",
    "Gold Partner",
    "TBD",
    "n/a",
    "",
    "",
    "",
    "",
    "Wizard",
    "Consultancy",
];
const TRANSACTS: &[&str] = &[
    "partner",
    "Partner",
    "self",
    "the partner",
    "yes",
    "vendor",
    "Vendor Direct",
    "direct",
    "us",
    "other_partner",
    "another partner",
    "a reseller",
    "distributor",
    "none",
    "nobody",
    "",
    "",
    "?",
    "unclear",
];
const SELLS_TO: &[&str] = &[
    "end_customers",
    "End Customers",
    "end users",
    "resellers",
    "Retailers",
    "VARs",
    "dealers",
];
const DELIVERS: &[&str] = &[
    "provisioning",
    "implementation",
    "Deployment",
    "integration",
    "access_enablement",
    "access enablement",
    "customization",
    "customisation",
    "training",
    "support",
    "Help Desk",
    "operations",
    "managed operations",
    "solution_design",
    "solution design",
    "warehousing",
    "pick_and_pack",
    "Pick & Pack",
    "shipping",
    "returns",
    "embedding",
    "consulting",
    "bananas",
];
const EARNS: &[&str] = &[
    "service_fees",
    "Service Fees",
    "fees",
    "resale_margin",
    "Margin",
    "markup",
    "volume",
    "rebates",
    "commission",
    "referral fee",
    "finder's fee",
    "logistics_fees",
    "per-order fee",
    "recurring_fees",
    "monthly fee",
    "retainer",
    "project_fees",
    "fixed fee",
    "SOW",
    "recognition",
    "perks",
    "swag",
    "stipend",
    "honorarium",
    "product_revenue",
    "none",
    "equity",
];
const ACTIVITIES: &[&str] = &[
    "content",
    "ads",
    "reviews",
    "leads",
    "introductions",
    "speaking",
    "mentoring",
    "recommending",
    "co_marketing",
    "co-marketing",
    "co_selling",
    "product_integration",
    "white_label",
    "White Label",
    "webinars",
];
const GOODS: &[&str] = &["software", "SaaS", "physical", "hardware", "", "", "n/a"];
const VENDORS: &[&str] = &[
    "single",
    "one",
    "multiple",
    "several",
    "multi-vendor",
    "",
    "",
];
const ENGAGEMENT: &[&str] = &[
    "one_off",
    "one-off",
    "project",
    "Project based",
    "ongoing",
    "ongoing",
    "",
    "",
];
const SEPARATORS: &[&str] = &[";", "; ", "|", " | ", ","];

/// Every value of the vocabulary, canonical, for the all-new mix.
fn uniform(rng: &mut Rng, values: &[&str]) -> String {
    values
        .iter()
        .filter(|_| rng.below(2) == 0)
        .copied()
        .collect::<Vec<_>>()
        .join(";")
}

/// How people write each value in a description: a few phrasings per value id.
const SAYS: &[(&str, &[&str])] = &[
    (
        "partner",
        &[
            "resells the licences",
            "buys and resells",
            "holds the billing",
            "resold seats last year",
        ],
    ),
    (
        "vendor",
        &[
            "the vendor transacts directly",
            "we invoice customers directly",
        ],
    ),
    (
        "other_partner",
        &[
            "after the reseller closes the deal",
            "once a reseller has sold the subscription",
        ],
    ),
    (
        "end_customers",
        &["to end customers", "to SMBs", "to mid-market firms"],
    ),
    (
        "resellers",
        &["to retailers and VARs", "through a network of resellers"],
    ),
    (
        "provisioning",
        &["provisions tenants", "activates licences"],
    ),
    (
        "implementation",
        &[
            "runs implementation projects",
            "implements the platform",
            "handles setup",
        ],
    ),
    (
        "integration",
        &[
            "integrates it with ERP and CRM systems",
            "builds integrations",
        ],
    ),
    ("access_enablement", &["sets up SSO", "enables user access"]),
    (
        "customization",
        &["custom workflows", "customizes dashboards"],
    ),
    ("training", &["trains admins", "runs workshops"]),
    ("support", &["first-line support", "helpdesk"]),
    (
        "operations",
        &[
            "24/7 monitoring",
            "runs it as a managed service",
            "hosting and backups",
        ],
    ),
    (
        "solution_design",
        &["solution design", "designs the architecture"],
    ),
    ("warehousing", &["warehousing", "stores the stock"]),
    ("pick_and_pack", &["pick and pack", "picking and packing"]),
    ("shipping", &["ships orders", "last-mile shipping"]),
    ("returns", &["returns handling", "RMA processing"]),
    ("embedding", &["embeds our engine in its product"]),
    ("service_fees", &["paid a services fee", "bills day rates"]),
    ("resale_margin", &["keeps a margin", "at a markup"]),
    ("volume", &["earns volume rebates"]),
    (
        "commission",
        &[
            "for a referral fee",
            "rev share on closed deals",
            "a commission per sign-up",
        ],
    ),
    ("logistics_fees", &["per-order fees", "a fee per pallet"]),
    ("recurring_fees", &["a monthly retainer", "billed monthly"]),
    (
        "project_fees",
        &["fixed-price projects", "under a statement of work"],
    ),
    (
        "recognition",
        &["an award at our summit", "a spot on the champions wall"],
    ),
    ("perks", &["swag and early access"]),
    ("product_revenue", &["sells it as its own product"]),
    ("content", &["writes blog posts", "a weekly newsletter"]),
    ("ads", &["runs paid ads"]),
    ("reviews", &["publishes reviews"]),
    ("leads", &["sends qualified leads", "refers prospects"]),
    ("introductions", &["warm introductions", "introduces CFOs"]),
    ("speaking", &["speaks at meetups"]),
    ("mentoring", &["mentors new admins"]),
    ("recommending", &["recommends us to peers"]),
    (
        "co_marketing",
        &["joint webinars", "co-marketing campaigns"],
    ),
    ("co_selling", &["co-sells with our AEs"]),
    (
        "product_integration",
        &["a native integration", "a two-way sync connector"],
    ),
    ("white_label", &["under its own brand", "white-label"]),
    ("software", &["SaaS", "cloud software"]),
    ("physical", &["hardware kits", "devices"]),
    ("single", &["single-vendor"]),
    ("multiple", &["multi-vendor stacks"]),
    ("one_off", &["one-off"]),
    ("project", &["project-based"]),
    ("ongoing", &["ongoing", "long-term"]),
];

/// Sentences about nothing the rules read, to pad a description the way people do.
const FILLER: &[&str] = &[
    "Based in {city} with {n} staff.",
    "Partner since {year}, account owner {owner}.",
    "Strong team in {city}; quarterly business review in March.",
    "Great people, met at a conference in {year}.",
    "Contact: {owner} ({city} office).",
];

const CITIES: &[&str] = &[
    "Lyon",
    "Austin",
    "Rotterdam",
    "Pune",
    "Leeds",
    "Osaka",
    "Bogota",
    "Graz",
];

/// A description of about 150 characters that states some of the row's values (and now and
/// then negates one it does not have), padded with sentences about nothing.
fn describe(rng: &mut Rng, i: usize, cells: &[String]) -> String {
    let mut values: Vec<&str> = cells[1..]
        .iter()
        .flat_map(|c| c.split([';', '|', ',']))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    // A few of them, in some order.
    let mut said = Vec::new();
    while !values.is_empty() && said.len() < 2 + rng.below(3) {
        let v = values.swap_remove(rng.below(values.len()));
        if let Some((_, ways)) = SAYS.iter().find(|(id, _)| *id == v) {
            said.push(rng.pick(ways).to_string());
        }
    }
    let mut text = match said.len() {
        0 => String::new(),
        1 => format!("{}.", capitalize(&said[0])),
        n => format!(
            "{} and {}.",
            capitalize(&said[..n - 1].join(", ")),
            said[n - 1]
        ),
    };
    if rng.below(5) == 0 {
        let not = rng.pick(&[
            " Does not resell.",
            " No warehousing.",
            " Never takes a margin.",
            " No implementation work.",
        ]);
        text.push_str(not);
    }
    while text.len() < 130 {
        let filler = rng
            .pick(FILLER)
            .replace("{city}", rng.pick(CITIES))
            .replace("{n}", &(5 + rng.below(400)).to_string())
            .replace("{year}", &(2012 + rng.below(14)).to_string())
            .replace("{owner}", &format!("Rep {}", i % 113));
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&filler);
    }
    text
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mix = args.next().unwrap_or_else(|| "diverse".into());
    if !matches!(mix.as_str(), "diverse" | "repetitive" | "all-new") {
        eprintln!("the mix is diverse, repetitive or all-new, not {mix:?}");
        std::process::exit(2);
    }
    // Knobs after the mix: `descriptions` adds a Description column of about 150 characters to
    // every row; `exported` writes the roster as CRM exports and Python's csv module with
    // QUOTE_ALL do: every cell quoted, CRLF line ends.
    let (mut descriptions, mut exported) = (false, false);
    for knob in args {
        match knob.as_str() {
            "descriptions" => descriptions = true,
            "exported" => exported = true,
            other => {
                eprintln!("a knob is `descriptions` or `exported`, not {other:?}");
                std::process::exit(2);
            }
        }
    }
    let end = if exported { "\r\n" } else { "\n" };
    let rules = partner_roles::rules::RuleSet::builtin().expect("built-in rules");
    let mut names: Vec<String> = "partner_id,partner_name,declared_role,transacts,sells_to,delivers,earns,activities,goods,vendors,engagement,region,notes"
        .split(',')
        .map(String::from)
        .collect();
    if descriptions {
        names.push("Description".into());
    }
    let header = partner_roles::facts::ColumnMap::new(
        partner_roles::roster::Header::new(names.clone()),
        &rules,
    );
    let mut seen = partner_roles::facts::SeenIds::default();
    let mut patterns = Patterns {
        raw: std::collections::HashSet::new(),
        facts: std::collections::HashSet::new(),
        quoted_rows: 0,
    };
    let mut rng = Rng(rows as u64 ^ 0x5EED ^ mix.len() as u64);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let quote = |s: &str| {
        if exported || s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let header_line: Vec<String> = names.iter().map(|n| quote(n)).collect();
    write!(out, "{}{end}", header_line.join(","))?;
    let regions = ["EMEA", "AMER", "APAC", "LATAM"];
    for i in 0..rows {
        // declared role and the eight fact cells
        let cells: Vec<String> = match mix.as_str() {
            "repetitive" => {
                let profile = PROFILES[rng.below(PROFILES.len())];
                let mut cells: Vec<String> = profile.iter().map(|s| s.to_string()).collect();
                if rng.below(10) == 0 {
                    let k = 1 + rng.below(8);
                    cells[k] = messy(&mut rng, &cells[k]);
                }
                cells
            }
            "all-new" => vec![
                rng.pick(DECLARED).to_string(),
                rng.pick(&["partner", "vendor", "other_partner", "none"])
                    .to_string(),
                uniform(&mut rng, &["end_customers", "resellers"]),
                uniform(
                    &mut rng,
                    &[
                        "provisioning",
                        "implementation",
                        "integration",
                        "access_enablement",
                        "customization",
                        "training",
                        "support",
                        "operations",
                        "solution_design",
                        "warehousing",
                        "pick_and_pack",
                        "shipping",
                        "returns",
                        "embedding",
                    ],
                ),
                uniform(
                    &mut rng,
                    &[
                        "service_fees",
                        "resale_margin",
                        "volume",
                        "commission",
                        "logistics_fees",
                        "recurring_fees",
                        "project_fees",
                        "recognition",
                        "perks",
                        "stipend",
                        "product_revenue",
                    ],
                ),
                uniform(
                    &mut rng,
                    &[
                        "content",
                        "ads",
                        "reviews",
                        "leads",
                        "introductions",
                        "speaking",
                        "mentoring",
                        "recommending",
                        "co_marketing",
                        "co_selling",
                        "product_integration",
                        "white_label",
                    ],
                ),
                rng.pick(&["software", "physical"]).to_string(),
                rng.pick(&["single", "multiple"]).to_string(),
                rng.pick(&["one_off", "project", "ongoing"]).to_string(),
            ],
            _ => {
                // A textbook partner, then the long tail: another spelling of the declared role,
                // and per fact cell a spelling variant (8%), an extra value (4%) or an empty
                // cell (2%).
                let profile = PROFILES[rng.below(PROFILES.len())];
                let mut cells: Vec<String> = profile.iter().map(|s| s.to_string()).collect();
                if rng.below(10) < 3 {
                    cells[0] = rng.pick(DECLARED).to_string();
                }
                let lists: [&[&str]; 8] = [
                    TRANSACTS, SELLS_TO, DELIVERS, EARNS, ACTIVITIES, GOODS, VENDORS, ENGAGEMENT,
                ];
                for (k, values) in lists.iter().enumerate() {
                    let cell = &mut cells[k + 1];
                    match rng.below(100) {
                        0..=7 => *cell = messy(&mut rng, cell),
                        8..=11 if (1..=4).contains(&k) => {
                            let extra = rng.pick(values);
                            let sep = rng.pick(SEPARATORS);
                            *cell = if cell.is_empty() {
                                extra.to_string()
                            } else {
                                format!("{cell}{sep}{extra}")
                            };
                        }
                        8..=11 => *cell = rng.pick(values).to_string(),
                        12..=13 => cell.clear(),
                        _ => {}
                    }
                }
                cells
            }
        };
        let name = match (mix.as_str(), rng.below(10)) {
            ("repetitive", _) => format!("Partner {i} Ltd"),
            (_, 0..=1) => format!("Partner {i}, Inc."),
            (_, 2) => format!("The \"Partner\" {i} Co"),
            _ => format!("Partner {i} Ltd"),
        };
        let notes = match (mix.as_str(), rng.below(20)) {
            ("repetitive", _) => format!("note {}", i % 97),
            (_, 0) => format!("Renewal due Q{}\nOwner: {}, EMEA", 1 + i % 4, i % 89),
            (_, 1..=4) => format!("Onboarded {}, reviewed by ops", 2020 + i % 6),
            _ => format!("note {}", i % 97),
        };
        let region = rng.pick(&regions);
        let description = if descriptions {
            describe(&mut rng, i, &cells)
        } else {
            String::new()
        };
        let mut row_cells = vec![format!("P{i:07}"), name.clone()];
        row_cells.extend(cells.iter().cloned());
        row_cells.push(region.to_string());
        row_cells.push(notes.clone());
        if descriptions {
            row_cells.push(description);
        }
        let line: Vec<String> = row_cells.iter().map(|c| quote(c)).collect();
        let line = line.join(",");
        // Rows with a cell quoted for what it holds (every row, when all are quoted).
        if line.contains('"') {
            patterns.quoted_rows += 1;
        }
        write!(out, "{line}{end}")?;
        // Count the patterns: as written, and as read.
        patterns.raw.insert(fingerprint(&cells));
        let row = partner_roles::roster::Row::new(i as u64 + 2, &row_cells);
        let record = partner_roles::facts::read_record(&rules, &header, &row, &mut seen);
        patterns.facts.insert((record.facts, record.declared_roles));
    }
    out.flush()?;
    let knobs = match (descriptions, exported) {
        (false, false) => "",
        (true, false) => ", with descriptions",
        (false, true) => ", exported: every cell quoted, CRLF",
        (true, true) => ", with descriptions, exported: every cell quoted, CRLF",
    };
    eprintln!(
        "{rows} rows ({mix}{knobs}): {} distinct declared-role and fact cells as written, {} distinct facts and declared roles as read, {:.0}% of rows with quoted cells",
        patterns.raw.len(),
        patterns.facts.len(),
        100.0 * patterns.quoted_rows as f64 / rows.max(1) as f64
    );
    Ok(())
}
