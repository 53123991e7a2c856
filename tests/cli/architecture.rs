//! `ARCHITECTURE.md` kept true: no module imports what its codemap line says it must not touch
//! (the `imports` block of the document, module names per line).

use std::path::{Path, PathBuf};

/// The lines of the `imports` block: (module path under `src/`, forbidden modules).
fn rules_of(document: &str) -> Vec<(String, Vec<String>)> {
    let block = document
        .split("```imports\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("ARCHITECTURE.md has an ```imports block");
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (module, forbidden) = line.split_once(':').expect("module: modules");
            (
                module.trim().to_string(),
                forbidden.split_whitespace().map(String::from).collect(),
            )
        })
        .collect()
}

/// The top-level modules of the crate: `src/x.rs` and `src/x/`.
fn crate_modules(src: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(src)
        .expect("src")
        .map(|e| e.expect("entry").path())
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            (p.is_dir() || p.extension().is_some_and(|e| e == "rs")).then_some(name)
        })
        .filter(|n| n != "lib" && n != "main")
        .collect();
    out.sort();
    out.dedup();
    out
}

fn files_of(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).expect("module folder") {
        out.extend(files_of(&entry.expect("entry").path()));
    }
    out
}

/// The crate modules a source text names, with the line of each (comments skipped).
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let name: String = rest[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((i + 1, name));
            rest = &rest[at + 7..];
        }
        // `use crate::{a, b::c}` names several.
        if let Some(group) = code.trim_start().strip_prefix("use crate::{") {
            for part in group.split([',', '}']) {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((i + 1, name));
                }
            }
        }
    }
    out
}

#[test]
fn no_module_imports_what_its_codemap_line_forbids() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let src = root.join("src");
    let modules = crate_modules(&src);
    let mut broken = Vec::new();
    let mut checked = 0;
    for (module, forbidden) in rules_of(&document) {
        let path = src.join(module.trim_end_matches('/'));
        assert!(
            path.exists(),
            "ARCHITECTURE.md names {module}, which is not under src/"
        );
        let own = module.trim_end_matches('/').trim_end_matches(".rs");
        let forbidden: Vec<&str> = if forbidden == ["*"] {
            modules
                .iter()
                .map(String::as_str)
                .filter(|m| *m != own && *m != "error")
                .collect()
        } else {
            forbidden.iter().map(String::as_str).collect()
        };
        for name in &forbidden {
            assert!(
                modules.iter().any(|m| m == name),
                "ARCHITECTURE.md forbids {module} the module {name}, which does not exist"
            );
        }
        for file in files_of(&path) {
            let text = std::fs::read_to_string(&file).expect("source");
            for (line, name) in named_modules(&text) {
                if forbidden.contains(&name.as_str()) {
                    broken.push(format!(
                        "{}:{line}: names crate::{name}, which {module} must not touch",
                        file.strip_prefix(root).unwrap_or(&file).display()
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(
        broken.is_empty(),
        "imports across the codemap's lines:\n{}",
        broken.join("\n")
    );
    assert!(checked >= 40, "{checked} files checked");
}

#[test]
fn the_checker_sees_what_it_must() {
    let found = named_modules(
        "use crate::rules::RuleSet;\nuse crate::{engine::Tri, facts};\n// crate::output in a comment\nlet x = crate::output::visible(y);\n",
    );
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert!(names.contains(&"rules") && names.contains(&"engine") && names.contains(&"facts"));
    assert_eq!(found.iter().filter(|(_, n)| n == "output").count(), 1);
    assert_eq!(
        found.iter().find(|(_, n)| n == "output").map(|(l, _)| *l),
        Some(4)
    );
}
