//! What AWS does not say and the emulator does: [`explain`] walks one request through every
//! check and names the smallest fix; [`doctor`] checks this machine for what the walkthrough
//! needs.

pub mod doctor;
pub mod explain;
