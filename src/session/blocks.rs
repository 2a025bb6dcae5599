//! Records (byte strings) kept oldest first in LZ4-compressed blocks: the store behind a
//! session's history and its output log.
//!
//! Terminal output repeats itself a lot (prompts, paths, colour codes, log prefixes), so a
//! block of it shrinks several times over; LZ4 compresses and decompresses fast enough that a
//! flood pays little for it and a reader (scroll mode, the API) can decompress a block per
//! request. New records gather uncompressed in the open block until it is full.

use std::collections::VecDeque;
use std::ops::Range;

/// How full the open block gets (in bytes or in records, whichever comes first) before it is
/// compressed: large enough to compress well, small enough that reading one record
/// decompresses little.
const BLOCK_BYTES: usize = 64 * 1024;
const BLOCK_RECORDS: usize = 1024;

/// A full block: its records compressed together, and where each one ends.
#[derive(Clone)]
struct Sealed {
    lz4: Box<[u8]>,
    ends: Box<[u32]>,
}

#[derive(Default, Clone)]
pub struct Blocks {
    sealed: VecDeque<Sealed>,
    open: Vec<u8>,
    open_ends: Vec<u32>,
    /// Records at the front of the oldest block that are no longer kept.
    dropped: usize,
    len: usize,
}

impl Blocks {
    /// Records kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Adds a record that `write` appends to the buffer it is given.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.open);
        self.open_ends.push(self.open.len() as u32);
        self.len += 1;
        if self.open.len() >= BLOCK_BYTES || self.open_ends.len() >= BLOCK_RECORDS {
            self.seal();
        }
    }

    pub fn push(&mut self, record: &[u8]) {
        self.push_with(|buf| buf.extend_from_slice(record));
    }

    fn seal(&mut self) {
        let lz4 = lz4_flex::block::compress_prepend_size(&self.open).into_boxed_slice();
        let ends = std::mem::take(&mut self.open_ends).into_boxed_slice();
        self.sealed.push_back(Sealed { lz4, ends });
        self.open.clear();
        // A flood seals a block every few hundred lines: keep one buffer's worth, not more.
        self.open.shrink_to(BLOCK_BYTES * 2);
    }

    /// Forgets the oldest record.
    pub fn pop_front(&mut self) {
        if self.len == 0 {
            return;
        }
        self.len -= 1;
        self.dropped += 1;
        let oldest = self
            .sealed
            .front()
            .map_or(self.open_ends.len(), |b| b.ends.len());
        if self.dropped == oldest {
            self.dropped = 0;
            if self.sealed.pop_front().is_none() {
                self.open.clear();
                self.open_ends.clear();
            }
        }
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Calls `f` with the index and bytes of each kept record in `range` (0 is the oldest),
    /// oldest first.
    pub fn for_each(&self, range: Range<usize>, mut f: impl FnMut(usize, &[u8])) {
        let range = range.start..range.end.min(self.len);
        if range.is_empty() {
            return;
        }
        // Index of a block's first record among all records ever in the kept blocks.
        let mut first = 0;
        let (want, upto) = (range.start + self.dropped, range.end + self.dropped);
        let blocks = self
            .sealed
            .iter()
            .map(|b| (Some(&b.lz4[..]), &b.ends[..]))
            .chain(std::iter::once((None, &self.open_ends[..])));
        for (lz4, ends) in blocks {
            let end = first + ends.len();
            if end > want && first < upto {
                let scratch;
                let bytes: &[u8] = match lz4 {
                    Some(lz4) => {
                        // Blocks are made by `seal` alone, so they always decompress.
                        scratch =
                            lz4_flex::block::decompress_size_prepended(lz4).unwrap_or_default();
                        &scratch
                    }
                    None => &self.open,
                };
                let from = want.saturating_sub(first);
                let to = (upto - first).min(ends.len());
                for i in from..to {
                    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
                    let record = bytes.get(start..ends[i] as usize).unwrap_or_default();
                    f(first + i - self.dropped, record);
                }
            }
            if end >= upto {
                break;
            }
            first = end;
        }
    }

    /// Heap bytes held, compressed blocks and bookkeeping included.
    pub fn heap_bytes(&self) -> usize {
        let sealed: usize = self
            .sealed
            .iter()
            .map(|b| b.lz4.len() + b.ends.len() * 4)
            .sum();
        sealed + self.open.capacity() + self.open_ends.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(blocks: &Blocks, range: Range<usize>) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        blocks.for_each(range, |i, r| out.push((i, r.to_vec())));
        out
    }

    fn record(i: usize) -> Vec<u8> {
        format!("record {i} {}", "x".repeat(i % 300)).into_bytes()
    }

    #[test]
    fn records_come_back_across_block_boundaries() {
        let mut blocks = Blocks::default();
        for i in 0..5000 {
            blocks.push(&record(i));
        }
        assert!(blocks.sealed.len() > 2, "the records span several blocks");
        let got = collect(&blocks, 0..5000);
        assert_eq!(got.len(), 5000);
        for (i, r) in got {
            assert_eq!(r, record(i));
        }
        // A range that starts inside one sealed block and ends in the open one.
        let last = blocks.len() - 1;
        let got = collect(&blocks, 1000..last + 10);
        assert_eq!(got.first().map(|(i, _)| *i), Some(1000));
        assert_eq!(got.last(), Some(&(last, record(last))));
    }

    #[test]
    fn dropped_records_are_gone_and_indexes_start_at_the_oldest_kept() {
        let mut blocks = Blocks::default();
        for i in 0..3000 {
            blocks.push(&record(i));
        }
        for _ in 0..1500 {
            blocks.pop_front();
        }
        assert_eq!(blocks.len(), 1500);
        let got = collect(&blocks, 0..2);
        assert_eq!(got, vec![(0, record(1500)), (1, record(1501))]);
        for _ in 0..1500 {
            blocks.pop_front();
        }
        assert_eq!(blocks.len(), 0);
        blocks.push(b"again");
        assert_eq!(collect(&blocks, 0..9), vec![(0, b"again".to_vec())]);
    }

    #[test]
    fn empty_and_large_records_keep_their_bounds() {
        let mut blocks = Blocks::default();
        let big = vec![7u8; 3 * BLOCK_BYTES];
        blocks.push(b"");
        blocks.push(&big);
        blocks.push(b"");
        let got = collect(&blocks, 0..3);
        assert_eq!(got[0].1, b"");
        assert_eq!(got[1].1, big);
        assert_eq!(got[2].1, b"");
    }

    #[test]
    fn repetitive_output_is_kept_compressed() {
        let mut blocks = Blocks::default();
        let line = "\x1b[32m   12345\x1b[m Compiling crate-42 v0.1.2 (/src/workspace/crates/x)";
        for _ in 0..10_000 {
            blocks.push(line.as_bytes());
        }
        let raw = 10_000 * line.len();
        assert!(
            blocks.heap_bytes() * 4 < raw,
            "{} of {raw}",
            blocks.heap_bytes()
        );
    }
}
