//! Tollgate's engines. Each is a pure function of (state, new facts, `now`) returning
//! decisions with their reasons; the application layer loads the state and commits what they
//! decide. Nothing here does I/O.

pub mod usage;
