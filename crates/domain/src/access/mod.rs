//! Production access (issue 7, journeys J4 and J5): the request's state machine
//! ([`state`]), business time for the service-level clocks ([`calendar`]) and the clocks
//! themselves ([`sla`]), and the request's form, checklist and document checks
//! ([`request`]): pure rules, no HTTP, no SQL, and no reading of the wall clock (every
//! instant is passed in). [`service`] is the `Access` service that stores requests,
//! documents, transitions and notifications through the store and reads the injected
//! clock. [`golive`] is what follows the approval: the listing, the production app and its
//! one-time credential hand-off, suspension and revocation, the public directory. Policy
//! changes of a live app (J5): the pure machine and notice check in [`policy_change`], the
//! reviewer's word diff in [`word_diff`], the service in [`changes`]. See
//! `docs/design/production-access.md`.

pub mod calendar;
pub mod changes;
pub mod golive;
pub mod ics;
pub mod policy_change;
pub mod request;
pub mod review;
pub mod service;
pub mod sla;
pub mod state;
pub mod word_diff;

pub use calendar::{BusinessCalendar, CalendarError, FederalHoliday, Holiday};
pub use service::{Access, AccessError, QueueFilter, Viewer};
pub use sla::{Sla, SlaStatus};
pub use state::{
    AccessState, AccessStatus, Actor, ActorId, AllowedMove, Approval, NameError, Role, Side,
    Transition, TransitionError, TransitionRecord,
};
