//! The base every HTTP door stands on: errors as the API answers them and the API token.

pub mod error;
pub mod token;
