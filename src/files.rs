//! Writing output files safely: whole or not at all, never through a planted link, never over
//! an input, and never leaving a temporary file behind when the run is interrupted.
//!
//! A file is written under an unpredictable temporary name in the target's folder, created with
//! `O_EXCL` (the `tempfile` crate), given the mode of the file it replaces, and renamed into
//! place once everything is written. `-o` follows a symbolic link to the file it points at and
//! replaces that file (the link stays a link); a device, FIFO or other non-regular target
//! (`/dev/stdout`, `/proc/self/fd/1` on a pipe) is written directly. `rules export` and
//! `man --dir` refuse to write to a path that is a symbolic link.
//!
//! Owns: file creation for outputs. Must not touch: formats, the decision.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;

/// Temporary files being written, removed by [`remove_temporaries`] when the process is
/// interrupted (the CLI calls it from its SIGINT/SIGTERM handler).
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every temporary file still being written. For a signal handler: the process is
/// about to exit, so nothing will write to them again.
pub fn remove_temporaries() {
    let paths = match TEMPORARIES.lock() {
        Ok(mut paths) => std::mem::take(&mut *paths),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

fn register(path: &Path) {
    if let Ok(mut paths) = TEMPORARIES.lock() {
        paths.push(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut paths) = TEMPORARIES.lock() {
        paths.retain(|p| p != path);
    }
}

/// A file being written under a temporary name. [`Pending::commit`] renames it into place;
/// dropped without a commit (an error, a panic), it is removed.
pub struct Pending {
    temp: Option<tempfile::TempPath>,
    target: PathBuf,
}

impl Pending {
    /// Renames the temporary file into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let path = temp.to_path_buf();
        let result = temp.persist(&self.target).map_err(|e| Error::Io {
            path: self.target.clone(),
            source: e.error,
        });
        unregister(&path);
        result
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            unregister(&temp);
            // Dropping the TempPath removes the file.
        }
    }
}

/// The file a path finally names: the path itself, or for a symbolic link (a chain of them)
/// the file it points at, whether or not that exists yet.
fn final_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::read_link(&current) {
                Ok(next) => {
                    current = match current.parent() {
                        Some(parent) if next.is_relative() => parent.join(next),
                        _ => next,
                    };
                }
                Err(_) => return current,
            },
            _ => return current,
        }
    }
    current
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Opens `path` for writing an output: a temporary file beside its final target, to be renamed
/// into place by the returned [`Pending`], or the target itself when it is not a regular file.
/// Refuses a path that names one of `inputs` (a file, or a file in a folder of them).
pub fn create_output(
    path: &Path,
    inputs: &[&Path],
) -> Result<(Box<dyn Write>, Option<Pending>), Error> {
    let target = final_target(path);
    // Standard input may be a file redirected in (`< roster.csv`): compare with that file.
    let stdin = Path::new("/dev/stdin");
    let inputs: Vec<&Path> = inputs
        .iter()
        .map(|&i| if i == Path::new("-") { stdin } else { i })
        .collect();
    for &input in &inputs {
        let inside_folder = input.is_dir()
            && target
                .parent()
                .is_some_and(|parent| same_file(parent, input));
        if same_file(&target, input) || same_file(path, input) || inside_folder {
            return Err(Error::Usage {
                message: format!(
                    "-o {} would write over {}, an input of this run; write the output to another file",
                    path.display(),
                    input.display()
                ),
            });
        }
    }
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    // Devices, pipes and the like (/dev/stdout, /proc/self/fd/1) are written directly.
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        return Ok((Box::new(file), None));
    }
    let (file, temp) = temporary_beside(&target, existing.map(|m| m.permissions()))?;
    Ok((
        Box::new(file),
        Some(Pending {
            temp: Some(temp),
            target,
        }),
    ))
}

/// A new temporary file in the folder of `target`, with `mode` (that of the file it will
/// replace) or 0644 for a new file.
fn temporary_beside(
    target: &Path,
    mode: Option<std::fs::Permissions>,
) -> Result<(std::fs::File, tempfile::TempPath), Error> {
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let io = |source| Error::Io {
        path: target.to_path_buf(),
        source,
    };
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partner-roles.tmp")
        .tempfile_in(&folder)
        .map_err(|e| Error::Usage {
            message: format!(
                "cannot write {}: a new file cannot be created in {} ({e}); the output is written beside its target and renamed into place, so the folder must be writable",
                target.display(),
                folder.display()
            ),
        })?;
    register(temp.path());
    if let Some(permissions) = mode.or_else(default_permissions) {
        temp.as_file().set_permissions(permissions).map_err(io)?;
    }
    Ok(temp.into_parts())
}

/// The mode of a new output file: 0644, as a program creating it directly would leave it under
/// the usual umask (a temporary file starts as 0600).
#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

/// Reads the text of `path`, at most `cap` bytes of it from any kind of file (a FIFO,
/// `/dev/zero` or standard input as much as a regular file): a larger one is refused, naming
/// the cap.
pub fn read_text(path: &Path, cap: u64, what: &str) -> Result<String, Error> {
    use std::io::Read;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(Error::Usage {
            message: format!(
                "{}: more than {} MiB is far too large for {what}; refusing it",
                path.display(),
                cap >> 20
            ),
        });
    }
    String::from_utf8(bytes).map_err(|e| Error::Usage {
        message: format!(
            "{}: {what} must be UTF-8 text (byte {} is not); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Writes `bytes` to `path` whole (under a temporary name, then renamed into place). Refuses a
/// `path` that is a symbolic link, so a link planted in an export folder is never followed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Usage {
            message: format!(
                "{} is a symbolic link; refusing to write through it (remove it, or choose another folder)",
                path.display()
            ),
        });
    }
    let mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    let (mut file, temp) = temporary_beside(path, mode)?;
    let pending = Pending {
        temp: Some(temp),
        target: path.to_path_buf(),
    };
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    drop(file);
    pending.commit()
}
