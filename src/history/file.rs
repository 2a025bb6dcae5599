//! A task's history file: `history/<task>.jsonl` in the data dir, readable by the user only,
//! at most [`MAX_FILE_BYTES`]: past that the oldest half of it is dropped.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::history::Entry;
use crate::session::TaskId;

pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A file name for any task id: readable when the id is plain, else a readable part and a
/// hash, so that two ids never share a file and no id escapes the directory.
fn file_for(dir: &Path, task: &TaskId) -> PathBuf {
    let id = task.as_str();
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let name = if id.len() <= 64 && id.chars().all(plain) && !id.starts_with('.') {
        id.to_string()
    } else {
        let readable: String = id.chars().filter(|c| plain(*c)).take(32).collect();
        let hash = sha2::Sha256::digest(id.as_bytes());
        let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}~{hex}", readable.trim_start_matches('.'))
    };
    dir.join(format!("{name}.jsonl"))
}

pub fn append(dir: &Path, entry: &Entry) -> std::io::Result<()> {
    crate::paths::private_dir(dir)?;
    let path = file_for(dir, &entry.task_id);
    let mut line = serde_json::to_vec(entry)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(&line)?;
    if file.metadata()?.len() > MAX_FILE_BYTES {
        trim(&path)?;
    }
    Ok(())
}

/// Keeps the newest entries that fit in half the cap.
fn trim(path: &Path) -> std::io::Result<()> {
    let text = std::fs::read(path)?;
    let keep = (MAX_FILE_BYTES / 2) as usize;
    let mut start = text.len().saturating_sub(keep);
    if let Some(newline) = text[start..].iter().position(|&b| b == b'\n') {
        start += if start == 0 { 0 } else { newline + 1 };
    }
    crate::paths::write_private(path, &text[start..])
}

/// The task's entries, oldest first; a line that does not parse (a crash mid-write) is skipped.
pub fn read_task(dir: &Path, task: &TaskId) -> std::io::Result<Vec<Entry>> {
    let text = match std::fs::read_to_string(file_for(dir, task)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Outcome;
    use crate::session::SessionId;

    fn entry(task: &str, command: String) -> Entry {
        Entry {
            task_id: TaskId::new(task).unwrap(),
            session_id: SessionId(1),
            command,
            sent_at: chrono::Utc::now(),
            outcome: Some(Outcome::Finished),
            state: None,
            duration_ms: Some(5),
        }
    }

    #[test]
    fn a_full_file_keeps_its_newest_half_privately() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let task = TaskId::new("t").unwrap();
        for i in 0..3000 {
            append(dir.path(), &entry("t", format!("{i:0>500}"))).unwrap();
        }
        let path = file_for(dir.path(), &task);
        assert!(std::fs::metadata(&path).unwrap().len() <= MAX_FILE_BYTES);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let entries = read_task(dir.path(), &task).unwrap();
        assert!(entries.len() > 500, "{}", entries.len());
        assert_eq!(entries.last().unwrap().command, format!("{:0>500}", 2999));
    }

    #[test]
    fn task_ids_that_are_not_file_names_get_files_of_their_own() {
        let dir = Path::new("/x");
        let a = file_for(dir, &TaskId::new("../etc/passwd").unwrap());
        let b = file_for(dir, &TaskId::new("..-etc-passwd").unwrap());
        assert_eq!(a.parent(), Some(dir));
        assert_ne!(a, b);
        assert_eq!(
            file_for(dir, &TaskId::new("fix-login").unwrap()),
            dir.join("fix-login.jsonl")
        );
    }
}
