//! The one error type of this crate.

use std::path::PathBuf;

/// What can go wrong while making a document or a QR image.
///
/// Messages say what was wrong and what to do; they never carry the text being printed (venue
/// names, trace codes, personal data).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The CJK font file is not there.
    #[error(
        "the CJK font file {path} does not exist; install Debian's fonts-noto-cjk \
         (apt-get install fonts-noto-cjk) or point {env_var} at a Noto Sans CJK .ttc/.otf file"
    )]
    FontMissing {
        /// The path that was tried.
        path: PathBuf,
        /// The environment variable that overrides it.
        env_var: &'static str,
    },
    /// The font file exists but could not be read.
    #[error("the font file {path} could not be read: {source}")]
    FontUnreadable {
        /// The path that was tried.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The font file is not an OpenType font (or the collection index is out of range).
    #[error(
        "the font file {path} is not an OpenType font or collection with a font at index {index}; \
         use a Noto Sans CJK .ttc/.otf file"
    )]
    FontInvalid {
        /// The path that was tried.
        path: PathBuf,
        /// The font index inside a collection.
        index: u32,
    },
    /// The font has no glyph for the Japanese test characters, so Japanese would not render.
    #[error("the font file {path} has no Japanese glyphs; use a CJK font such as Noto Sans CJK JP")]
    FontNotCjk {
        /// The path that was tried.
        path: PathBuf,
    },
    /// The text does not fit in a QR code.
    #[error(
        "the text to encode ({len} bytes) is too long for a QR code at error-correction level M; \
         shorten it"
    )]
    QrTooLong {
        /// The length of the text in bytes.
        len: usize,
    },
    /// The PNG encoder failed.
    #[error("the QR code could not be written as PNG: {0}")]
    Png(String),
    /// The PDF writer failed.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// A layout request that cannot be honoured (e.g. a QR code larger than the page).
    #[error("the document layout is impossible: {0}")]
    Layout(&'static str),
}
