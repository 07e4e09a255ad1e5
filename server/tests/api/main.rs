//! Integration tests: the real server on a free port, each test on a fresh SQLite and PostgreSQL
//! database. One test binary keeps linking cheap.

#[macro_use]
mod common;

mod accept_race;
mod auth;
mod health;
mod operators;
mod pages;
mod roles;
mod storage;
