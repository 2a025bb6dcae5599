//! The recordings directory as the recorder thread keeps it: one open file per recording
//! session, rotated past `max_file_bytes`, and the oldest files deleted once all of them
//! together pass `max_total_bytes`.

use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::recording::asciicast::{self, Header};
use crate::recording::recorder::{Kind, Meta};
use crate::session::SessionId;
use crate::session::output::Utf8Stream;

/// How much is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A session's file is closed and a new one begun before it would pass this size (an
    /// event too large for one file is cut in pieces).
    pub file_bytes: u64,
    /// All recordings together; the oldest closed files go first.
    pub total_bytes: u64,
    /// Record keystrokes too (`"i"` events).
    pub record_input: bool,
}

/// One session's file being written.
struct Open {
    meta: Arc<Meta>,
    path: PathBuf,
    file: BufWriter<File>,
    bytes: u64,
    header_bytes: u64,
    /// Seconds into the session at which this file begins (a rotated file restarts at 0).
    offset: f64,
    part: u32,
    size: crate::session::TerminalSize,
    output: Utf8Stream,
    input: Utf8Stream,
    dirty: bool,
}

pub(crate) struct Files {
    dir: PathBuf,
    limits: Limits,
    open: HashMap<SessionId, Open>,
    /// Files no longer written, oldest first, with their sizes.
    closed: VecDeque<(PathBuf, u64)>,
    total: u64,
    /// The last write failed this way (and was logged).
    failing: Option<std::io::ErrorKind>,
}

impl Files {
    /// The directory (made 0700 when missing) and the recordings already in it.
    pub fn open(dir: PathBuf, limits: Limits) -> std::io::Result<Self> {
        crate::paths::private_dir(&dir)?;
        let mut existing: Vec<(std::time::SystemTime, PathBuf, u64)> = std::fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "cast"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, e.path(), meta.len()))
            })
            .collect();
        existing.sort();
        let total = existing.iter().map(|(_, _, len)| len).sum();
        let mut files = Self {
            dir,
            limits,
            open: HashMap::new(),
            closed: existing.into_iter().map(|(_, p, len)| (p, len)).collect(),
            total,
            failing: None,
        };
        files.prune();
        Ok(files)
    }

    pub fn write(&mut self, meta: &Arc<Meta>, time: f64, kind: Kind, lost: u64) {
        match self.try_write(meta, time, kind, lost) {
            Ok(()) => self.failing = None,
            // Once per failure (a full disk fails every event), and again once it recovered.
            Err(e) if self.failing.is_none() => {
                tracing::warn!(session = %meta.session, error = %e, "a recording could not be written");
                self.failing = Some(e.kind());
            }
            Err(_) => {}
        }
    }

    fn try_write(
        &mut self,
        meta: &Arc<Meta>,
        time: f64,
        kind: Kind,
        lost: u64,
    ) -> std::io::Result<()> {
        if !self.open.contains_key(&meta.session) {
            let open = self.begin(meta.clone(), 0.0, 1, meta.size)?;
            self.open.insert(meta.session, open);
        }
        if lost > 0 {
            let note = format!("gap: {lost} events were dropped (the recorder fell behind)");
            self.event(meta, time, asciicast::MARKER, &note)?;
        }
        let open = self.open.get_mut(&meta.session).expect("opened above");
        let (code, text) = match kind {
            Kind::Start => return Ok(()),
            Kind::Output(bytes) => (asciicast::OUTPUT, open.output.decode(bytes)),
            Kind::Input(bytes) => (asciicast::INPUT, open.input.decode(bytes)),
            Kind::Resize(size) => {
                open.size = size;
                let data = asciicast::resize_data(size);
                return self.event(meta, time, asciicast::RESIZE, &data);
            }
        };
        for piece in pieces(&text, self.limits.file_bytes, open.header_bytes) {
            self.event(meta, time, code, piece)?;
        }
        Ok(())
    }

    /// Appends one event to the session's file, first rotating it when it is full. The line
    /// is escaped once (again only when a rotation moves its time).
    fn event(
        &mut self,
        meta: &Arc<Meta>,
        time: f64,
        code: &str,
        data: &str,
    ) -> std::io::Result<()> {
        let open = self.open.get(&meta.session).expect("opened by the caller");
        let mut line = asciicast::line((time - open.offset).max(0.0), code, data);
        if open.bytes + line.len() as u64 > self.limits.file_bytes && open.bytes > open.header_bytes
        {
            let (part, size) = (open.part + 1, open.size);
            let next = self.begin(meta.clone(), time, part, size)?;
            if let Some(old) = self.open.insert(meta.session, next) {
                self.retire(old);
            }
            self.prune();
            line = asciicast::line(0.0, code, data);
        }
        let open = self.open.get_mut(&meta.session).expect("opened above");
        open.file.write_all(line.as_bytes())?;
        open.bytes += line.len() as u64;
        open.dirty = true;
        self.total += line.len() as u64;
        if self.total > self.limits.total_bytes {
            self.prune();
        }
        Ok(())
    }

    /// A new file for `meta`'s session, starting `offset` seconds into it, with its header.
    fn begin(
        &mut self,
        meta: Arc<Meta>,
        offset: f64,
        part: u32,
        size: crate::session::TerminalSize,
    ) -> std::io::Result<Open> {
        let (path, file) = create(&self.dir, &meta, part)?;
        let header = Header::new(
            size,
            meta.began + offset as i64,
            &meta.term,
            meta.task.to_string(),
        )
        .line();
        let mut file = BufWriter::new(file);
        file.write_all(header.as_bytes())?;
        self.total += header.len() as u64;
        meta.current.set(path.clone());
        Ok(Open {
            meta,
            path,
            file,
            bytes: header.len() as u64,
            header_bytes: header.len() as u64,
            offset,
            part,
            size,
            output: Utf8Stream::default(),
            input: Utf8Stream::default(),
            dirty: true,
        })
    }

    fn retire(&mut self, mut open: Open) {
        let _ = open.file.flush();
        self.closed.push_back((open.path, open.bytes));
    }

    /// Deletes the oldest closed files until all fit `total_bytes` (open ones are never cut).
    fn prune(&mut self) {
        while self.total > self.limits.total_bytes {
            let Some((path, len)) = self.closed.pop_front() else {
                return;
            };
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::info!(file = %path.display(), "pruned an old recording"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot prune a recording")
                }
            }
            self.total = self.total.saturating_sub(len);
        }
    }

    pub fn flush(&mut self) {
        for open in self.open.values_mut().filter(|o| o.dirty) {
            if let Err(e) = open.file.flush() {
                tracing::warn!(file = %open.path.display(), error = %e, "a recording could not be written");
            }
            open.dirty = false;
        }
    }

    /// Closes the files of sessions that have ended: nobody but us holds their metadata.
    pub fn close_ended(&mut self) {
        let ended: Vec<SessionId> = self
            .open
            .iter()
            .filter(|(_, o)| Arc::strong_count(&o.meta) == 1)
            .map(|(id, _)| *id)
            .collect();
        for id in ended {
            if let Some(open) = self.open.remove(&id) {
                self.retire(open);
            }
        }
    }
}

/// The newest part of the recording `path` is a part of (`…-s3.cast`, `…-s3.2.cast`, …).
pub(crate) fn last_part(path: &Path) -> PathBuf {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return path.to_path_buf();
    };
    let name = name.to_string_lossy();
    let stem = name.strip_suffix(".cast").unwrap_or(&name);
    let base = match stem.rsplit_once('.') {
        Some((base, part)) if part.parse::<u32>().is_ok() => base,
        _ => stem,
    };
    let part_of = |file: &str| -> Option<u32> {
        let rest = file.strip_prefix(base)?.strip_suffix(".cast")?;
        match rest.strip_prefix('.') {
            None if rest.is_empty() => Some(1),
            Some(n) => n.parse().ok(),
            None => None,
        }
    };
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| Some((part_of(&e.file_name().to_string_lossy())?, e.path())))
        .max()
        .map_or_else(|| path.to_path_buf(), |(_, p)| p)
}

/// `text` cut into pieces whose event lines each fit in a file of `file_bytes` after its
/// header: at worst a character is escaped to 6 bytes (`\u001b`), and the time and code take
/// under 64. So no file passes `file_bytes`, however large one read was.
fn pieces(text: &str, file_bytes: u64, header_bytes: u64) -> Vec<&str> {
    let room = file_bytes.saturating_sub(header_bytes + 64) / 6;
    let most = usize::try_from(room).unwrap_or(usize::MAX).max(1);
    // A chunk of no more bytes than a piece has characters is one piece: no need to walk it.
    if text.len() <= most {
        return vec![text];
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.char_indices().nth(most).map_or(rest.len(), |(i, _)| i);
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// `recordings/20261126T090548Z-TASK-s3.cast` (part 2: `…-s3.2.cast`), created 0600 and new.
fn create(dir: &Path, meta: &Meta, part: u32) -> std::io::Result<(PathBuf, File)> {
    let began = chrono::DateTime::from_timestamp(meta.began, 0).unwrap_or_default();
    let task: String = meta
        .task
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let stem = format!(
        "{}-{task}-s{}",
        began.format("%Y%m%dT%H%M%SZ"),
        meta.session
    );
    let part = if part > 1 {
        format!(".{part}")
    } else {
        String::new()
    };
    for attempt in 0..100 {
        let again = if attempt > 0 {
            format!("~{attempt}")
        } else {
            String::new()
        };
        let path = dir.join(format!("{stem}{again}{part}.cast"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("no free name for {stem} in {}", dir.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_part_of_a_rotated_recording_is_found_from_any_part() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "x-t-s1.cast",
            "x-t-s1.2.cast",
            "x-t-s1.10.cast",
            "x-t-s12.cast",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        for from in ["x-t-s1.cast", "x-t-s1.2.cast"] {
            assert_eq!(
                last_part(&dir.path().join(from)),
                dir.path().join("x-t-s1.10.cast")
            );
        }
        assert_eq!(
            last_part(&dir.path().join("x-t-s12.cast")),
            dir.path().join("x-t-s12.cast")
        );
    }
}
