//! Sessions in git worktrees of their own: `worktree = true` (or a name) runs a session in
//! `.ccmux/worktrees/<name>` of its project's repository, on branch `ccmux/<name>`, so that
//! several agents can change one project without stepping on each other.
//!
//! Everything here runs `git` and blocks: callers use `spawn_blocking`.

mod git;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ids::TaskId;

/// Where worktrees go, under the repository's top directory.
pub const WORKTREES_DIR: &str = ".ccmux/worktrees";
/// The prefix of their branches.
pub const BRANCH_PREFIX: &str = "ccmux/";
const MAX_NAME: usize = 64;

/// `worktree = true | false | "name"` in a session entry, a template or a create request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum WorktreeOption {
    Enabled(bool),
    Named(String),
}

impl WorktreeOption {
    /// The worktree's name: the given one, or one made from the task id; `None` for `false`.
    pub fn name(&self, task: &TaskId) -> Result<Option<String>, WorktreeError> {
        match self {
            Self::Enabled(false) => Ok(None),
            Self::Enabled(true) => {
                let name: String = task
                    .as_str()
                    .chars()
                    .map(|c| if plain(c) { c } else { '-' })
                    .take(MAX_NAME)
                    .collect();
                let name = name.trim_matches('-').to_string();
                if name.is_empty() {
                    return Err(WorktreeError::BadName(task.to_string()));
                }
                Ok(Some(name))
            }
            Self::Named(name) => {
                if name.is_empty()
                    || name.len() > MAX_NAME
                    || !name.chars().all(plain)
                    || name.starts_with('-')
                {
                    return Err(WorktreeError::BadName(name.clone()));
                }
                Ok(Some(name.clone()))
            }
        }
    }
}

/// Characters a worktree name may have: safe in a path and in a branch name.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A session's worktree, as its info shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorktreeInfo {
    pub name: String,
    pub path: PathBuf,
    pub branch: String,
    /// What the branch started from (the repository's branch then), for `ahead`.
    pub base: String,
    /// Changed and untracked files; counted when asked for, `None` otherwise.
    pub dirty: Option<u32>,
    /// Commits on the branch that `base` does not have; counted when asked for.
    pub ahead: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorktreeError {
    #[error(
        "worktree: `{0}` cannot name a worktree: use 1–64 letters, digits, `-` or `_`, or \
         `worktree = true` to name it after the task"
    )]
    BadName(String),
    #[error("worktree: {0} is not in a git repository; run `git init` there or drop `worktree`")]
    NotARepository(PathBuf),
    #[error("worktree: the project directory {0} does not exist")]
    NoProject(PathBuf),
    #[error("worktree: git is not installed or cannot run: {0}")]
    NoGit(String),
    #[error("worktree: `git {command}` failed: {message}")]
    Git { command: String, message: String },
    #[error(
        "worktree {path} has {changes} uncommitted change(s) and was kept; commit or discard \
         them, then remove it with `git worktree remove`"
    )]
    Dirty { path: PathBuf, changes: u32 },
    #[error("this session has no worktree to remove")]
    None,
}

/// Makes the worktree `name` of the repository `project` is in, or finds the one made
/// before, and says where it is.
pub fn prepare(project: &Path, name: &str) -> Result<WorktreeInfo, WorktreeError> {
    let root = git::main_root(project)?;
    let path = root.join(WORKTREES_DIR).join(name);
    let branch = format!("{BRANCH_PREFIX}{name}");
    let base = git::current_branch(&root)?;
    if !git::is_worktree_of(&root, &path)? {
        ignore_worktrees(&root);
        let path_arg = path.to_string_lossy().into_owned();
        if git::has_branch(&root, &branch)? {
            git::run(&root, &["worktree", "add", &path_arg, &branch])?;
        } else {
            git::run(&root, &["worktree", "add", "-b", &branch, &path_arg])?;
        }
    }
    Ok(WorktreeInfo {
        name: name.to_string(),
        path,
        branch,
        base,
        dirty: None,
        ahead: None,
    })
}

/// Keeps the worktrees out of the repository's own `git status`.
fn ignore_worktrees(root: &Path) {
    let dir = root.join(WORKTREES_DIR);
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&ignore, "*\n"));
        if let Err(e) = written {
            tracing::warn!(error = %e, dir = %dir.display(), "could not hide the worktrees from git status");
        }
    }
}

/// `info` with its dirty and ahead counts as they are now; unknown when git cannot tell.
pub fn with_counts(mut info: WorktreeInfo) -> WorktreeInfo {
    info.dirty = git::changes(&info.path).ok();
    info.ahead = git::ahead(&info.path, &info.base).ok();
    info
}

/// Removes a clean worktree (its branch stays); a dirty one is kept and named in the error.
pub fn remove(info: &WorktreeInfo) -> Result<(), WorktreeError> {
    let changes = git::changes(&info.path)?;
    if changes > 0 {
        return Err(WorktreeError::Dirty {
            path: info.path.clone(),
            changes,
        });
    }
    let root = git::main_root(&info.path)?;
    git::run(&root, &["worktree", "remove", &info.path.to_string_lossy()])?;
    Ok(())
}

/// Whether `dir` is `worktree` or inside it: a restored session keeps the directory it was in.
pub fn contains(worktree: &Path, dir: &Path) -> bool {
    dir.starts_with(worktree)
}

/// A session's worktree on its way: asked for by name, then made by the manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Asked(String),
    Made(WorktreeInfo),
}

impl Placement {
    pub fn name(&self) -> &str {
        match self {
            Self::Asked(name) => name,
            Self::Made(info) => &info.name,
        }
    }

    pub fn made(self) -> Option<WorktreeInfo> {
        match self {
            Self::Made(info) => Some(info),
            Self::Asked(_) => None,
        }
    }
}
