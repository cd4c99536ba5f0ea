//! [`named_enum!`]: the one definition of the fieldless enums whose variants are their own
//! text ([`Decision`](crate::Decision), [`Effect`](crate::Effect),
//! [`Element`](crate::Element)): `as_str`, `Display` and `Serialize` all give the variant's
//! name, so a decision can never be rendered one way in a log and another in JSON.

/// Defines a public fieldless enum with `as_str`, `Display` and `Serialize` giving each
/// variant's name. Attributes and doc comments on the enum and on variants are kept.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// The variant's name: the text of `Display` and `Serialize`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
