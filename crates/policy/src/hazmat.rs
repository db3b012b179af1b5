//! The `hazmat` feature: methods the crate uses itself and makes public only when it is on.

/// Defines a method `pub` with the `hazmat` feature and `pub(crate)` without it, from one body:
/// the crate calls it either way, only callers outside it need the feature.
macro_rules! hazmat_fn {
    ($(#[$attr:meta])* fn $name:ident $($rest:tt)*) => {
        $(#[$attr])*
        #[cfg(feature = "hazmat")]
        pub fn $name $($rest)*

        $(#[$attr])*
        #[cfg(not(feature = "hazmat"))]
        pub(crate) fn $name $($rest)*
    };
}

pub(crate) use hazmat_fn;
