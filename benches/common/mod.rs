//! What the benches feed ccmux.

/// `size` bytes of varied text with some colour, like a build log (about 60-byte lines).
pub fn build_log(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 200);
    let mut i = 0u64;
    while out.len() < size {
        out.extend_from_slice(
            format!(
                "\x1b[32m{i:>8}\x1b[0m compiling crate-{} v0.{}.{} (/src/crate)\r\n",
                i % 97,
                i % 13,
                i % 7
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.truncate(size);
    out
}
