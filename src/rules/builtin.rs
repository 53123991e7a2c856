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
];

/// Writes the built-in rule files into `dir` (created if needed) as a starting point for a
/// rule set of one's own. Refuses to overwrite an existing file unless `force`.
/// Returns the paths written.
pub fn export_builtin(dir: &Path, force: bool) -> Result<Vec<std::path::PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, text) in BUILTIN_FILES {
        let path = dir.join(name);
        if path.exists() && !force {
            return Err(Error::Usage {
                message: format!(
                    "{} exists; pass --force to overwrite it, or export into an empty folder",
                    path.display()
                ),
            });
        }
        std::fs::write(&path, text).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
