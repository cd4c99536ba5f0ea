//! AWS's vocabulary, which every layer speaks and which depends on nothing else in the crate:
//! the names AWS derives from a Region and an id ([`names`]), the shapes of the ids it makes
//! (`ids`), percent-encoding as API Gateway applies it (`percent`) and times as AWS writes them
//! (`timestamps`).

pub(crate) mod ids;
pub mod names;
pub(crate) mod percent;
pub(crate) mod timestamps;
