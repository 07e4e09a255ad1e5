//! Integration tests: the real server on a free port, each test on a fresh SQLite and PostgreSQL
//! database. One test binary keeps linking cheap.

#![recursion_limit = "256"]

#[macro_use]
mod common;

mod accept_race;
mod analytics;
mod assets;
mod auth;
mod channels;
mod cluster;
mod console;
mod contact_panel;
mod crash;
mod fuzz_smoke;
mod health;
mod hours_csat;
mod media;
mod mock;
mod operators;
mod pages;
mod privacy;
mod push;
mod queue;
mod reply_window;
mod robust;
mod roles;
mod scenario_versions;
mod scenarios;
mod secrets;
mod security;
mod sessions;
mod storage;
mod toolkit;
mod waiting;
mod widget;
