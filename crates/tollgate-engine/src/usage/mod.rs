//! Usage monitoring: budgets now; caps, anomalies and exposure follow.

pub mod anomaly;
pub mod budget;
pub mod caps;
pub mod exposure;
