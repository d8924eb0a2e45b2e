//! The CJK font: where it is found, loading it once, and measuring text with it.
//!
//! The font is never part of the repository. By default it is Debian's `fonts-noto-cjk`
//! (Noto Sans CJK, SIL Open Font License); the PDF writer embeds only the glyphs a document uses
//! (a subset), so a one-page poster stays small although the collection file is ~20 MB.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::DocumentError;

/// Where Debian's `fonts-noto-cjk` puts the regular weight (a collection; index 0 is "JP").
pub const DEFAULT_REGULAR_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Where Debian's `fonts-noto-cjk` puts the bold weight.
pub const DEFAULT_BOLD_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
/// Environment variable overriding the regular font's path.
pub const REGULAR_FONT_ENV: &str = "MIMAMORI_CJK_FONT";
/// Environment variable overriding the bold font's path.
pub const BOLD_FONT_ENV: &str = "MIMAMORI_CJK_FONT_BOLD";
/// Index of the Japanese face in the Noto Sans CJK collections (JP, KR, SC, TC, HK in this order).
pub const NOTO_CJK_JP_INDEX: u32 = 0;

/// Where to load the fonts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontPaths {
    /// The regular weight (an OpenType font or collection).
    pub regular: PathBuf,
    /// The bold weight; `None` draws bold text with the regular weight.
    pub bold: Option<PathBuf>,
    /// The face index inside a collection (0 for a single font).
    pub index: u32,
}

impl FontPaths {
    /// The paths from `MIMAMORI_CJK_FONT` / `MIMAMORI_CJK_FONT_BOLD`, else Debian's defaults.
    ///
    /// The bold weight is optional when it comes from the default path: if Debian's bold file
    /// is absent, bold text uses the regular weight.
    pub fn from_env_or_default() -> Self {
        let regular = std::env::var_os(REGULAR_FONT_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_REGULAR_FONT));
        let bold = match std::env::var_os(BOLD_FONT_ENV) {
            Some(path) => Some(PathBuf::from(path)),
            None => {
                let default = PathBuf::from(DEFAULT_BOLD_FONT);
                default.exists().then_some(default)
            }
        };
        Self {
            regular,
            bold,
            index: NOTO_CJK_JP_INDEX,
        }
    }
}

/// One loaded face: its bytes (shared), the PDF writer's handle and its metrics.
#[derive(Clone)]
pub(crate) struct Face {
    data: Arc<Vec<u8>>,
    index: u32,
    pub(crate) pdf_font: krilla::text::Font,
}

impl Face {
    fn load(path: &Path, index: u32, env_var: &'static str) -> Result<Self, DocumentError> {
        if !path.exists() {
            return Err(DocumentError::FontMissing {
                path: path.to_path_buf(),
                env_var,
            });
        }
        let data = std::fs::read(path).map_err(|source| DocumentError::FontUnreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let data = Arc::new(data);
        let invalid = || DocumentError::FontInvalid {
            path: path.to_path_buf(),
            index,
        };
        {
            let font_ref = FontRef::from_index(data.as_slice(), index).map_err(|_| invalid())?;
            let charmap = font_ref.charmap();
            // 日本語: a font that cannot draw these cannot draw any of our documents.
            if "日本語あア".chars().any(|c| charmap.map(c).is_none()) {
                return Err(DocumentError::FontNotCjk {
                    path: path.to_path_buf(),
                });
            }
        }
        let pdf_font = krilla::text::Font::new(data.clone().into(), index).ok_or_else(invalid)?;
        Ok(Self {
            data,
            index,
            pdf_font,
        })
    }

    /// The advance width of each `char` of `text` at `size` points (missing glyphs use the
    /// font's `.notdef` advance, as the PDF will draw that glyph).
    pub(crate) fn advances(&self, text: &str, size: f32) -> Vec<f32> {
        let Ok(font_ref) = FontRef::from_index(self.data.as_slice(), self.index) else {
            // Invariant: `load` parsed the same bytes at the same index successfully.
            return text.chars().map(|_| size).collect();
        };
        let charmap = font_ref.charmap();
        let metrics = font_ref.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                let glyph = charmap.map(c).unwrap_or_default();
                metrics.advance_width(glyph).unwrap_or(size)
            })
            .collect()
    }

    /// The width of `text` on one line at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.advances(text, size).iter().sum()
    }
}

/// The regular and bold CJK faces, loaded once and shared (cloning is cheap).
///
/// Load it at start-up (a server keeps one) rather than per document: the collection file is
/// large.
#[derive(Clone)]
pub struct FontSet {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet").finish_non_exhaustive()
    }
}

impl FontSet {
    /// Loads the fonts at `paths`, checking that they carry Japanese glyphs.
    pub fn load(paths: &FontPaths) -> Result<Self, DocumentError> {
        let regular = Face::load(&paths.regular, paths.index, REGULAR_FONT_ENV)?;
        let bold = match &paths.bold {
            Some(path) => Face::load(path, paths.index, BOLD_FONT_ENV)?,
            None => regular.clone(),
        };
        Ok(Self { regular, bold })
    }

    /// Loads the fonts from [`FontPaths::from_env_or_default`].
    pub fn from_env_or_default() -> Result<Self, DocumentError> {
        Self::load(&FontPaths::from_env_or_default())
    }

    pub(crate) fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }

    /// The width in points of `text` set on one line at `size` points.
    pub fn text_width(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.face(bold).width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_names_the_path_and_the_package() {
        let paths = FontPaths {
            regular: PathBuf::from("/nonexistent/NotoSansCJK-Regular.ttc"),
            bold: None,
            index: 0,
        };
        let error = FontSet::load(&paths).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, DocumentError::FontMissing { .. }));
        assert!(message.contains("/nonexistent/NotoSansCJK-Regular.ttc"));
        assert!(message.contains("fonts-noto-cjk"));
        assert!(message.contains(REGULAR_FONT_ENV));
    }

    #[test]
    fn a_file_that_is_not_a_font_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-font.ttc");
        std::fs::write(&path, b"this is not an OpenType font").unwrap();
        let paths = FontPaths {
            regular: path,
            bold: None,
            index: 0,
        };
        assert!(matches!(
            FontSet::load(&paths),
            Err(DocumentError::FontInvalid { .. })
        ));
    }
}
