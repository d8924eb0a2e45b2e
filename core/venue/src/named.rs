//! The closed lists of the venue wire formats (venue types, notice templates) as tables: each
//! value with its wire code, its stable ASCII slug and any names, written once per value.

/// One value of a closed list: its code in the wire format, its slug for forms and APIs, and
/// `names` (e.g. Japanese and English).
#[derive(Debug)]
pub(crate) struct Named<T: 'static, N: 'static = ()> {
    /// The value.
    pub(crate) value: T,
    /// Its code in the encoded payload or notice body.
    pub(crate) code: u32,
    /// Its stable ASCII name.
    pub(crate) slug: &'static str,
    /// Anything else said of it.
    pub(crate) names: N,
}

/// The value with wire code `code`, if any.
pub(crate) fn by_code<T: Copy, N>(table: &[Named<T, N>], code: u32) -> Option<T> {
    table
        .iter()
        .find(|row| row.code == code)
        .map(|row| row.value)
}

/// The value named `slug`, if any.
pub(crate) fn by_slug<T: Copy, N>(table: &[Named<T, N>], slug: &str) -> Option<T> {
    table
        .iter()
        .find(|row| row.slug == slug)
        .map(|row| row.value)
}

/// Whether `table` lists `all` in order, each value at the index of its discriminant (what
/// indexing a table with `value as usize` relies on), with the codes 1, 2, 3, ...
#[cfg(test)]
pub(crate) fn is_in_order<T: Copy + PartialEq, N>(
    table: &[Named<T, N>],
    all: &[T],
    discriminant: impl Fn(T) -> usize,
) -> bool {
    table.len() == all.len()
        && table
            .iter()
            .zip(all)
            .enumerate()
            .all(|(index, (row, value))| {
                row.value == *value
                    && discriminant(*value) == index
                    && usize::try_from(row.code) == Ok(index + 1)
            })
}
