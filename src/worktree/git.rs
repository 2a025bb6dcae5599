//! The `git` commands worktrees need, each run with the user's git and its output read.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::worktree::WorktreeError;

pub fn run(dir: &Path, args: &[&str]) -> Result<String, WorktreeError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| WorktreeError::NoGit(e.to_string()))?;
    if !output.status.success() {
        return Err(WorktreeError::Git {
            command: args.join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The top directory of the repository's main worktree, from anywhere in it or in one of its
/// worktrees, so worktrees are never made inside worktrees.
pub fn main_root(dir: &Path) -> Result<PathBuf, WorktreeError> {
    if !dir.is_dir() {
        return Err(WorktreeError::NoProject(dir.to_path_buf()));
    }
    let common = run(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )
    .map_err(|e| match e {
        WorktreeError::Git { .. } => WorktreeError::NotARepository(dir.to_path_buf()),
        other => other,
    })?;
    let common = PathBuf::from(common);
    match common.file_name() {
        Some(name) if name == ".git" => Ok(common.parent().unwrap_or(&common).to_path_buf()),
        // A bare repository has no working tree to branch from.
        _ => Err(WorktreeError::NotARepository(dir.to_path_buf())),
    }
}

/// The branch checked out in `dir`, or its commit when detached.
pub fn current_branch(dir: &Path) -> Result<String, WorktreeError> {
    run(dir, &["symbolic-ref", "--quiet", "--short", "HEAD"])
        .or_else(|_| run(dir, &["rev-parse", "HEAD"]))
}

pub fn has_branch(root: &Path, branch: &str) -> Result<bool, WorktreeError> {
    let reference = format!("refs/heads/{branch}");
    Ok(run(root, &["show-ref", "--verify", "--quiet", &reference]).is_ok())
}

/// Whether git knows `path` as one of the repository's worktrees.
pub fn is_worktree_of(root: &Path, path: &Path) -> Result<bool, WorktreeError> {
    let list = run(root, &["worktree", "list", "--porcelain"])?;
    Ok(list
        .lines()
        .filter_map(|l| l.strip_prefix("worktree "))
        .any(|p| Path::new(p) == path))
}

/// Files changed or untracked in the worktree at `dir`.
pub fn changes(dir: &Path) -> Result<u32, WorktreeError> {
    let status = run(dir, &["status", "--porcelain", "--untracked-files=all"])?;
    Ok(status.lines().filter(|l| !l.trim().is_empty()).count() as u32)
}

/// Commits on `dir`'s HEAD that `base` does not have.
pub fn ahead(dir: &Path, base: &str) -> Result<u32, WorktreeError> {
    let range = format!("{base}..HEAD");
    let count = run(dir, &["rev-list", "--count", &range])?;
    count.parse().map_err(|_| WorktreeError::Git {
        command: format!("rev-list --count {range}"),
        message: format!("unexpected answer `{count}`"),
    })
}
