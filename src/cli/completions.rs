//! `partner-roles completions SHELL` and `partner-roles man`: generated from the clap
//! definitions, so they always match the commands.

use clap::ValueEnum;

use super::Outcome;
use crate::error::Error;

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    /// Bash: `source <(partner-roles completions bash)`.
    Bash,
    /// Zsh: write it to a file named `_partner-roles` on `$fpath`.
    Zsh,
    /// Fish: write it to `~/.config/fish/completions/partner-roles.fish`.
    Fish,
    /// PowerShell: `partner-roles completions powershell | Out-String | Invoke-Expression`.
    Powershell,
}

pub(crate) fn completions(shell: Shell) -> Result<Outcome, Error> {
    let mut command = super::full_command();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    clap_complete::generate(shell, &mut command, "partner-roles", &mut std::io::stdout());
    Ok(Outcome::Success)
}

pub(crate) fn man(dir: Option<&std::path::Path>) -> Result<Outcome, Error> {
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        // Each page whole, and never through a symbolic link already in the folder.
        fn pages(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
                pages(sub, out)?;
            }
            let man = clap_mangen::Man::new(cmd);
            let mut page = Vec::new();
            man.render(&mut page)?;
            out.push((man.get_filename(), page));
            Ok(())
        }
        let mut command = super::full_command().disable_help_subcommand(true);
        command.build();
        let mut out = Vec::new();
        pages(command, &mut out).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        // Refuse before anything is written.
        if let Some((name, _)) = out.iter().find(|(name, _)| {
            std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.file_type().is_symlink())
        }) {
            return Err(Error::Usage {
                message: format!(
                    "{} is a symbolic link; refusing to write through it (remove it, or choose another folder)",
                    dir.join(name).display()
                ),
            });
        }
        for (name, page) in out {
            crate::files::write_file(&dir.join(name), &page)?;
        }
        return Ok(Outcome::Success);
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(super::full_command())
        .render(&mut out)
        .map_err(|e| Error::Output(e.to_string()))?;
    use std::io::Write;
    std::io::stdout().write_all(&out).map_err(Error::Write)?;
    Ok(Outcome::Success)
}
