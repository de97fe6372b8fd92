//! Every integration test, in one binary: one link of the library and its
//! dependencies instead of one per file. Each module is one capability.

mod audit;
mod audit_file;
mod batch;
mod clashes;
mod cli_usage;
mod clipboard;
mod common;
mod core_config;
mod core_generate;
mod core_lifecycle;
mod core_secrets;
mod core_store;
mod docs;
mod faults_concurrency;
mod faults_crash;
mod faults_env;
mod faults_input;
mod faults_input_more;
mod faults_races;
mod faults_secrets;
mod faults_secrets_children;
mod handover;
mod import_file;
mod library;
mod list;
mod migration;
mod notify;
mod notify_channels;
mod origins;
mod output;
mod paths;
mod pg_store;
mod planted;
mod prompts;
mod props_parsers;
mod rate_limits;
mod readme_hooks;
mod render;
mod replayed_rows;
mod rights;
mod rights_jobs;
mod rollback;
mod rotate_hooks;
mod scan;
mod secrets_at_rest;
mod serve;
mod show_once;
mod sign;
mod signed_rows;
mod store_copy;
mod store_wal;
mod sweep;
mod tenants;
mod term_b;
mod term_c;
mod terminal;
mod transfer;
mod users;
mod verify;
mod wildcards;

// The same files twice on purpose: once per backend (tests/it/pg.rs).
#[allow(clippy::duplicate_mod)]
mod pg;
