//! The default rule set, compiled into the binary from `rules/`.

use std::path::Path;

use crate::error::Error;

/// The built-in rule files: (file name, YAML text).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "vocabulary.yaml",
        include_str!("../../rules/vocabulary.yaml"),
    ),
    ("taxonomy.yaml", include_str!("../../rules/taxonomy.yaml")),
    ("rules.yaml", include_str!("../../rules/rules.yaml")),
    ("text.yaml", include_str!("../../rules/text.yaml")),
];

/// The built-in rule tests: (file name under `tests/`, YAML text).
pub const BUILTIN_TESTS: &[(&str, &str)] = &[
    ("roles.yaml", include_str!("../../rules/tests/roles.yaml")),
    (
        "confusable.yaml",
        include_str!("../../rules/tests/confusable.yaml"),
    ),
    (
        "profiles.yaml",
        include_str!("../../rules/tests/profiles.yaml"),
    ),
    (
        "fidelity.yaml",
        include_str!("../../rules/tests/fidelity.yaml"),
    ),
    (
        "analyst.yaml",
        include_str!("../../rules/tests/analyst.yaml"),
    ),
    ("text.yaml", include_str!("../../rules/tests/text.yaml")),
    (
        "labeled.yaml",
        include_str!("../../rules/tests/labeled.yaml"),
    ),
];

/// Writes the built-in rule files (and their tests, under `tests/`) into `dir` (created if needed) as a starting point for a
/// rule set of one's own. Refuses to overwrite an existing file unless `force`.
/// Returns the paths written.
pub fn export_builtin(dir: &Path, force: bool) -> Result<Vec<std::path::PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let tests = dir.join("tests");
    std::fs::create_dir_all(&tests).map_err(|source| Error::Io {
        path: tests.clone(),
        source,
    })?;
    let mut written = Vec::new();
    let files: Vec<_> = BUILTIN_FILES
        .iter()
        .map(|(name, text)| (dir.join(name), text))
        .chain(
            BUILTIN_TESTS
                .iter()
                .map(|(name, text)| (tests.join(name), text)),
        )
        .collect();
    // Check every file first, so a refusal writes nothing: no symbolic link on the way (the
    // tests folder included) or in place of a file.
    if std::fs::symlink_metadata(&tests).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Usage {
            message: format!(
                "{} is a symbolic link; refusing to write through it (remove it, or export into another folder)",
                tests.display()
            ),
        });
    }
    if let Some((path, _)) = files
        .iter()
        .find(|(path, _)| std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()))
    {
        return Err(Error::Usage {
            message: format!(
                "{} is a symbolic link; refusing to write through it (remove it, or export into another folder)",
                path.display()
            ),
        });
    }
    if let Some((path, _)) = files.iter().find(|(path, _)| path.exists() && !force) {
        return Err(Error::Usage {
            message: format!(
                "{} exists; pass --force to overwrite it, or export into an empty folder",
                path.display()
            ),
        });
    }
    for (path, text) in files {
        crate::files::write_file(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
