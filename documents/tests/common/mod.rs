//! Helpers shared by the document tests: the font collection, loaded once, and the command-line
//! tools that read the PDFs back.

use std::path::Path;
use std::process::Command;

use mimamori_documents::FontSet;

/// The CJK fonts, loaded once for all tests (the collection is large).
pub fn fonts() -> FontSet {
    static FONTS: std::sync::OnceLock<FontSet> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            FontSet::from_env_or_default()
                .unwrap_or_else(|error| panic!("{error} (scripts/test installs fonts-noto-cjk)"))
        })
        .clone()
}

/// Runs `program` with `args`, which must succeed; its standard output.
pub fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("{program} could not run ({error}); install poppler-utils and zbar-tools")
        });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The text of the PDF at `pdf` (`pdftotext`).
pub fn pdf_text(pdf: &Path) -> String {
    String::from_utf8(run("pdftotext", &[pdf.to_str().unwrap(), "-"])).unwrap()
}
