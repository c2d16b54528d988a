//! The web suite: the whole application over HTTP, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod alerts;
mod centres;
mod checks;
mod dashboard;
mod directory;
mod documents;
mod entities;
mod forms;
mod imports;
mod legislation;
mod matrix;
mod meetings;
mod portal;
mod records;
mod requests;
mod retention;
mod sealing;
mod searching;
mod server;
mod shell;
mod site;
mod statistics;
mod storage;
mod streams;
mod testkit;
mod trust;
mod visas;
mod words;
mod workplans;
