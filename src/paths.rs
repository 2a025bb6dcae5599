//! Where ccmux keeps things, following the platform's conventions (XDG on Linux).

use std::path::PathBuf;

use directories::ProjectDirs;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "ccmux")
}

/// Holds the global `config.toml`.
pub fn config_dir() -> PathBuf {
    dirs().map_or_else(|| PathBuf::from(".ccmux"), |d| d.config_dir().to_path_buf())
}

pub fn global_config_file() -> PathBuf {
    config_dir().join("config.toml")
}

/// Holds the API token.
pub fn data_dir() -> PathBuf {
    dirs().map_or_else(|| PathBuf::from(".ccmux"), |d| d.data_dir().to_path_buf())
}

/// Holds the log file.
pub fn state_dir() -> PathBuf {
    dirs()
        .and_then(|d| d.state_dir().map(PathBuf::from))
        .unwrap_or_else(data_dir)
}

/// The project file's name, looked for in the current directory and its parents.
pub const PROJECT_FILE: &str = "ccmux.toml";
