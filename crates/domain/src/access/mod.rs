//! Production access (issue 7, journeys J4 and J5): the request's state machine
//! ([`state`]), business time for the service-level clocks ([`calendar`]) and the clocks
//! themselves ([`sla`]). Pure rules: no HTTP, no SQL, and no reading of the wall clock
//! (every instant is passed in). See `docs/design/production-access.md`.

pub mod calendar;
pub mod sla;
pub mod state;

pub use calendar::{BusinessCalendar, CalendarError, FederalHoliday, Holiday};
pub use sla::{Sla, SlaStatus};
pub use state::{
    AccessState, AccessStatus, Actor, ActorId, AllowedMove, Approval, NameError, Role, Side,
    Transition, TransitionError, TransitionRecord,
};
