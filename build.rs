//! Packs the binary's relative relocations (`DT_RELR`) where the C library can load them.
//!
//! Every ccmux process, the TUI client included, reads its relocation table at start. As
//! plain `RELA` entries it is ~380 KiB of the binary that each process maps; packed, it is a
//! few KiB (the client's RSS with 10 panes: 10.0-10.3 MiB before, see `benches/compare`).
//! The loader takes packed relocations from glibc 2.36 on, and a binary linked with them
//! asks for that version (`GLIBC_ABI_DT_RELR`), so they are used only when the C library this
//! machine builds for has it: elsewhere (glibc 2.35, musl, a cross build) the binary links as
//! before. The linkers that come with such a C library take the flag (GNU ld from 2.38, LLD
//! from 15, which rustc uses since 1.90).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if packed_relocations_load() {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether a binary built here for this machine can use packed relocations.
fn packed_relocations_load() -> bool {
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    target == host && target.ends_with("-linux-gnu") && glibc_at_least(2, 36)
}

/// The version of the glibc this build script runs on (the target's, for a native build).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_at_least(major: u32, minor: u32) -> bool {
    // SAFETY: returns a static, NUL-terminated string such as "2.36".
    let version = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    let mut parts = version.to_str().unwrap_or("").split('.');
    let mut number = || {
        parts
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    (number(), number()) >= (major, minor)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_at_least(_major: u32, _minor: u32) -> bool {
    false
}
