//! `Debug` for records that carry secrets (keys, codes, tokens, bodies): only the named fields
//! are shown, the rest is left out (`..`), so a record logged by mistake leaks nothing.

/// Implements `Debug` for `$record` showing only the listed fields, then `..`.
macro_rules! debug_showing_only {
    ($record:ident { $($field:ident),* $(,)? }) => {
        impl ::std::fmt::Debug for $record {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($record))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use debug_showing_only;

#[cfg(test)]
mod tests {
    struct Secret {
        shown: u8,
        key: [u8; 2],
    }

    debug_showing_only!(Secret { shown });

    #[test]
    fn only_the_named_fields_are_shown() {
        let secret = Secret {
            shown: 7,
            key: [0xAB, 0xCD],
        };
        assert_eq!(format!("{secret:?}"), "Secret { shown: 7, .. }");
        assert_eq!(secret.key.len(), 2);
    }
}
