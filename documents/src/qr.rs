//! QR codes: encoding text (with the `qrcode` crate) and drawing the modules as PNG, SVG or
//! vector squares in a PDF.

use qrcode::{Color, EcLevel, QrCode};

use crate::DocumentError;

/// The light margin around a QR code, in modules, that the QR specification (ISO/IEC 18004)
/// requires for reliable scanning.
pub const QUIET_ZONE_MODULES: usize = 4;

/// A QR code's modules (dark or light), made only by [`QrMatrix::encode`].
///
/// Error correction is level M (about 15 % of the code may be damaged or covered), the usual
/// choice for printed posters.
#[derive(Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl std::fmt::Debug for QrMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The content may be a venue's payload: never print it.
        f.debug_struct("QrMatrix")
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

impl QrMatrix {
    /// Encodes `text` (byte mode, error correction level M, the smallest version that fits).
    pub fn encode(text: &str) -> Result<Self, DocumentError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|_| DocumentError::QrTooLong { len: text.len() })?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// The number of modules on a side (21 for version 1, 4 more per version), without the
    /// quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (outside the code: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The dark modules of each row as runs `(row, first column, length)`, so a drawing needs
    /// one rectangle per run rather than per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }

    /// A black-on-white greyscale PNG, `module_pixels` pixels per module, with the quiet zone.
    pub fn to_png(&self, module_pixels: u32) -> Result<Vec<u8>, DocumentError> {
        let module_pixels = module_pixels.max(1) as usize;
        let side_modules = self.width + 2 * QUIET_ZONE_MODULES;
        let side = side_modules * module_pixels;
        let side_u32 = u32::try_from(side).map_err(|_| DocumentError::Layout("PNG too large"))?;
        let mut pixels = Vec::with_capacity(side * side);
        for row in 0..side {
            let y = (row / module_pixels).wrapping_sub(QUIET_ZONE_MODULES);
            for column in 0..side {
                let x = (column / module_pixels).wrapping_sub(QUIET_ZONE_MODULES);
                pixels.push(if self.is_dark(x, y) { 0 } else { 255 });
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|error| DocumentError::Png(error.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|error| DocumentError::Png(error.to_string()))?;
        writer
            .finish()
            .map_err(|error| DocumentError::Png(error.to_string()))?;
        Ok(out)
    }

    /// A scalable SVG: a white square with the quiet zone and one black path of the dark
    /// modules, one user unit per module, shown `display_mm` millimetres wide.
    pub fn to_svg(&self, display_mm: f32) -> String {
        let side = self.width + 2 * QUIET_ZONE_MODULES;
        let mut path = String::new();
        for (y, x, length) in self.dark_runs() {
            use std::fmt::Write as _;
            // Writing to a String cannot fail.
            let _ = write!(
                path,
                "M{} {}h{}v1h-{}z",
                x + QUIET_ZONE_MODULES,
                y + QUIET_ZONE_MODULES,
                length,
                length
            );
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
             width=\"{display_mm}mm\" height=\"{display_mm}mm\" viewBox=\"0 0 {side} {side}\" \
             shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
             <path fill=\"#000\" d=\"{path}\"/></svg>\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_is_21_modules_and_finder_corners_are_dark() {
        let qr = QrMatrix::encode("hello").unwrap();
        assert_eq!(qr.width(), 21);
        // The three finder patterns' outer corners.
        assert!(qr.is_dark(0, 0));
        assert!(qr.is_dark(20, 0));
        assert!(qr.is_dark(0, 20));
        // The separator next to the top-left finder is light.
        assert!(!qr.is_dark(7, 0));
        assert!(!qr.is_dark(21, 0), "outside the code is light");
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let qr = QrMatrix::encode("https://example.org/v/#abc").unwrap();
        let from_runs: usize = qr.dark_runs().iter().map(|&(_, _, length)| length).sum();
        let counted = (0..qr.width())
            .flat_map(|y| (0..qr.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.is_dark(x, y))
            .count();
        assert_eq!(from_runs, counted);
    }

    #[test]
    fn png_has_the_quiet_zone_and_the_right_size() {
        let qr = QrMatrix::encode("hello").unwrap();
        let png_bytes = qr.to_png(3).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let side = (21 + 2 * QUIET_ZONE_MODULES) * 3;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        // Top-left pixel is quiet zone (white); the first module's pixel is dark.
        assert_eq!(pixels[0], 255);
        let first_module = QUIET_ZONE_MODULES * 3;
        assert_eq!(pixels[first_module * side + first_module], 0);
    }

    #[test]
    fn svg_is_one_path_with_a_view_box_including_the_quiet_zone() {
        let qr = QrMatrix::encode("hello").unwrap();
        let svg = qr.to_svg(40.0);
        assert!(svg.contains("viewBox=\"0 0 29 29\""));
        assert!(svg.contains("width=\"40mm\""));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains("M4 4h7v1h-7z"), "top-left finder row");
    }

    #[test]
    fn text_too_long_for_any_version_is_refused_with_its_length() {
        let long = "x".repeat(3000);
        let error = QrMatrix::encode(&long).unwrap_err();
        assert!(matches!(error, DocumentError::QrTooLong { len: 3000 }));
        assert!(!error.to_string().contains("xxx"));
    }
}
