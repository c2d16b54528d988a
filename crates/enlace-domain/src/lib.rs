//! Enlace domain: countries, roles, actors, distribution, handling, evaluation and the
//! authorization policy as pure functions. No I/O here.

pub mod case;
pub mod clock;
pub mod country;
pub mod disclosure;
pub mod ftm;
pub mod nations;
pub mod policy;
pub mod role;
pub mod sdc;
pub mod text;
pub mod validate;

pub use case::{CaseDraft, CaseStatus, Distribution, DistributionLevel, Evaluation, Handling};
pub use clock::{Clock, SystemClock, TestClock};
pub use country::{Country, COUNTRIES};
pub use policy::{Actor, Decision};
pub use role::Role;
pub use validate::{FieldError, Invalid};
