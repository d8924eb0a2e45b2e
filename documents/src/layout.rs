//! A4 pages laid out top to bottom: headings, wrapped paragraphs, boxes, tables and QR codes,
//! with page breaks where content runs off the page.
//!
//! Blocks are recorded first and drawn by [`A4Document::finish`]; coordinates are PDF points
//! (1/72 inch) from the page's top-left corner, y growing downwards.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;

use crate::DocumentError;
use crate::font::FontSet;
use crate::qr::{QUIET_ZONE_MODULES, QrMatrix};
use crate::wrap::wrap;

/// Points per millimetre (72 points per inch, 25.4 mm per inch).
pub const POINTS_PER_MM: f32 = 72.0 / 25.4;
/// A4 width in millimetres (ISO 216).
pub const A4_WIDTH_MM: f32 = 210.0;
/// A4 height in millimetres (ISO 216).
pub const A4_HEIGHT_MM: f32 = 297.0;
/// The default margin on every side, in millimetres.
pub const DEFAULT_MARGIN_MM: f32 = 18.0;
/// Line height as a multiple of the font size (Japanese text needs more than Latin's 1.2).
const LINE_HEIGHT: f32 = 1.5;
/// Baseline below the top of a line, as a multiple of the font size.
const BASELINE: f32 = 1.15;

/// Millimetres to points.
pub fn mm(millimetres: f32) -> f32 {
    millimetres * POINTS_PER_MM
}

/// Horizontal placement of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush with the left margin.
    #[default]
    Left,
    /// Centred between the margins.
    Center,
    /// Flush with the right margin.
    Right,
}

/// How a text block looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Font size in points.
    pub size: f32,
    /// Bold weight.
    pub bold: bool,
    /// Placement of each line.
    pub align: Align,
    /// Grey level of the text, 0 (black) to 255 (white).
    pub grey: u8,
    /// Space after the block, in points.
    pub space_after: f32,
}

impl TextStyle {
    /// Body text: 10.5 pt, regular, left-aligned, black.
    pub const BODY: Self = Self {
        size: 10.5,
        bold: false,
        align: Align::Left,
        grey: 0,
        space_after: 6.0,
    };
    /// A document title: 20 pt bold.
    pub const TITLE: Self = Self {
        size: 20.0,
        bold: true,
        align: Align::Left,
        grey: 0,
        space_after: 10.0,
    };
    /// A section heading: 13 pt bold.
    pub const HEADING: Self = Self {
        size: 13.0,
        bold: true,
        align: Align::Left,
        grey: 0,
        space_after: 4.0,
    };
    /// Small print: 8.5 pt, dark grey.
    pub const SMALL: Self = Self {
        size: 8.5,
        bold: false,
        align: Align::Left,
        grey: 70,
        space_after: 4.0,
    };

    /// The same style with another size.
    pub fn with_size(self, size: f32) -> Self {
        Self { size, ..self }
    }
    /// The same style, bold.
    pub fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
    /// The same style, centred.
    pub fn centered(self) -> Self {
        Self {
            align: Align::Center,
            ..self
        }
    }
}

/// A column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header cell's text.
    pub header: String,
    /// The column's share of the table width, relative to the other columns' weights.
    pub weight: f32,
}

impl Column {
    /// A column with `header` and relative width `weight`.
    pub fn new(header: impl Into<String>, weight: f32) -> Self {
        Self {
            header: header.into(),
            weight,
        }
    }
}

/// A table: a header row and body rows; cells wrap, rows never split across pages, and the
/// header repeats on each page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The body rows; a row with fewer cells than columns leaves the rest empty.
    pub rows: Vec<Vec<String>>,
    /// Font size of the cells in points.
    pub size: f32,
}

impl Table {
    /// An empty table with columns of these headers and relative widths ([`Column::new`]), 9.5
    /// pt cells.
    pub fn with_columns(columns: &[(&str, f32)]) -> Self {
        Self::new(
            columns
                .iter()
                .map(|(header, weight)| Column::new(*header, *weight))
                .collect(),
        )
    }

    /// An empty table with `columns`, 9.5 pt cells.
    pub fn new(columns: Vec<Column>) -> Self {
        Self {
            columns,
            rows: Vec::new(),
            size: 9.5,
        }
    }

    /// Adds a body row.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }
}

/// Something to draw on a page.
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        grey: u8,
        text: String,
    },
    Rect {
        rect: (f32, f32, f32, f32),
        fill: Option<u8>,
        stroke: Option<f32>,
    },
    Qr {
        x: f32,
        y: f32,
        module: f32,
        matrix: QrMatrix,
    },
}

/// An A4 document being written, top to bottom.
///
/// ```no_run
/// use mimamori_documents::{A4Document, FontSet, QrMatrix, TextStyle, Align};
/// let fonts = FontSet::from_env_or_default()?;
/// let mut doc = A4Document::new(&fonts, "例", "ja");
/// doc.text("見出し Heading", &TextStyle::TITLE);
/// doc.paragraph("本文です。Body text.");
/// doc.qr(&QrMatrix::encode("https://example.org/")?, 60.0, Align::Center)?;
/// let pdf: Vec<u8> = doc.finish()?;
/// # Ok::<(), mimamori_documents::DocumentError>(())
/// ```
#[derive(Debug)]
pub struct A4Document {
    fonts: FontSet,
    title: String,
    language: String,
    margin: f32,
    pages: Vec<Vec<Op>>,
    cursor: f32,
}

impl A4Document {
    /// A new document with one empty page; `title` and `language` (BCP 47, e.g. "ja") go into
    /// the PDF's metadata.
    pub fn new(fonts: &FontSet, title: &str, language: &str) -> Self {
        let margin = mm(DEFAULT_MARGIN_MM);
        Self {
            fonts: fonts.clone(),
            title: title.to_owned(),
            language: language.to_owned(),
            margin,
            pages: vec![Vec::new()],
            cursor: margin,
        }
    }

    /// The page width in points.
    pub fn page_width(&self) -> f32 {
        mm(A4_WIDTH_MM)
    }

    /// The page height in points.
    pub fn page_height(&self) -> f32 {
        mm(A4_HEIGHT_MM)
    }

    /// The width between the margins in points.
    pub fn content_width(&self) -> f32 {
        self.page_width() - 2.0 * self.margin
    }

    /// The space left on the current page, in points.
    pub fn remaining(&self) -> f32 {
        self.bottom() - self.cursor
    }

    /// The number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn bottom(&self) -> f32 {
        self.page_height() - self.margin
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page.
    pub fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.cursor = self.margin;
    }

    /// Breaks the page unless `height` points still fit on it.
    pub fn keep_together(&mut self, height: f32) {
        if height > self.remaining() && self.cursor > self.margin {
            self.page_break();
        }
    }

    /// Vertical space of `millimetres`.
    pub fn space(&mut self, millimetres: f32) {
        self.cursor = (self.cursor + mm(millimetres)).min(self.bottom());
    }

    /// A thin horizontal line across the content width.
    pub fn rule(&mut self) {
        let (x, y, width) = (self.margin, self.cursor + 3.0, self.content_width());
        self.ops().push(Op::Rect {
            rect: (x, y, width, 0.6),
            fill: Some(120),
            stroke: None,
        });
        self.cursor += 8.0;
    }

    /// The lines `text` wraps into at `style` within `width` points.
    pub fn wrap_lines(&self, text: &str, style: &TextStyle, width: f32) -> Vec<String> {
        let face = self.fonts.face(style.bold);
        let advances = face.advances(text, style.size);
        wrap(text, &advances, width)
    }

    /// The height in points `text` takes at `style` within `width` points.
    pub fn text_height(&self, text: &str, style: &TextStyle, width: f32) -> f32 {
        self.wrap_lines(text, style, width).len() as f32 * style.size * LINE_HEIGHT
    }

    /// A block of wrapped text across the content width (`'\n'` starts a new line).
    pub fn text(&mut self, text: &str, style: &TextStyle) {
        let (x, width) = (self.margin, self.content_width());
        self.text_in(text, style, x, width);
        self.cursor += style.space_after;
    }

    /// Body text (see [`TextStyle::BODY`]).
    pub fn paragraph(&mut self, text: &str) {
        self.text(text, &TextStyle::BODY);
    }

    /// A paragraph in Japanese and its English beneath it, in grey.
    pub fn paragraph_with_english(&mut self, japanese: &str, english: &str) {
        self.paragraph(japanese);
        self.text(
            english,
            &TextStyle {
                grey: 60,
                ..TextStyle::BODY
            },
        );
    }

    /// A section heading (see [`TextStyle::HEADING`]), kept on the page of what follows it.
    pub fn heading(&mut self, text: &str) {
        let style = TextStyle::HEADING;
        // A heading alone at the foot of a page is useless: keep it with about three lines.
        let needed = self.text_height(text, &style, self.content_width()) + 3.0 * 16.0;
        self.keep_together(needed);
        self.text(text, &style);
    }

    /// A bullet list: [`A4Document::bullet`] for each item.
    pub fn bullets<'a>(&mut self, items: impl IntoIterator<Item = &'a str>) {
        for item in items {
            self.bullet(item);
        }
    }

    /// A bullet list item: a "・" and the text indented after it.
    pub fn bullet(&mut self, text: &str) {
        let style = TextStyle::BODY;
        let indent = self.fonts.text_width("・", style.size, false);
        let line_height = style.size * LINE_HEIGHT;
        self.keep_together(line_height);
        let baseline = self.cursor + style.size * BASELINE;
        let x = self.margin;
        self.ops().push(Op::Text {
            x,
            baseline,
            size: style.size,
            bold: false,
            grey: style.grey,
            text: "・".to_owned(),
        });
        let width = self.content_width() - indent;
        self.text_in(text, &style, x + indent, width);
        self.cursor += 2.0;
    }

    /// Draws wrapped lines of `text` from the cursor, in a column at `x` of `width` points,
    /// breaking pages between lines.
    fn text_in(&mut self, text: &str, style: &TextStyle, x: f32, width: f32) {
        let line_height = style.size * LINE_HEIGHT;
        for line in self.wrap_lines(text, style, width) {
            if self.cursor + line_height > self.bottom() {
                self.page_break();
            }
            let line_width = self.fonts.text_width(&line, style.size, style.bold);
            let line_x = match style.align {
                Align::Left => x,
                Align::Center => x + (width - line_width) / 2.0,
                Align::Right => x + width - line_width,
            };
            let baseline = self.cursor + style.size * BASELINE;
            self.ops().push(Op::Text {
                x: line_x,
                baseline,
                size: style.size,
                bold: style.bold,
                grey: style.grey,
                text: line,
            });
            self.cursor += line_height;
        }
    }

    /// Text in a frame (for what must stand out: a private code, a warning). `fill` is the
    /// background grey (255 = white); the frame is never split across pages.
    pub fn boxed(&mut self, text: &str, style: &TextStyle, fill: u8) {
        let padding = mm(4.0);
        let inner = self.content_width() - 2.0 * padding;
        let height = self.text_height(text, style, inner) + 2.0 * padding;
        self.keep_together(height);
        let (x, y, width) = (self.margin, self.cursor, self.content_width());
        self.ops().push(Op::Rect {
            rect: (x, y, width, height),
            fill: Some(fill),
            stroke: Some(1.2),
        });
        self.cursor += padding;
        self.text_in(text, style, x + padding, inner);
        self.cursor = y + height + style.space_after.max(6.0);
    }

    /// A QR code `side_mm` millimetres wide including its quiet zone, drawn as vector squares.
    pub fn qr(
        &mut self,
        matrix: &QrMatrix,
        side_mm: f32,
        align: Align,
    ) -> Result<(), DocumentError> {
        let side = mm(side_mm);
        if side > self.content_width() || side > self.bottom() - self.margin {
            return Err(DocumentError::Layout("the QR code is larger than the page"));
        }
        self.keep_together(side);
        let x = match align {
            Align::Left => self.margin,
            Align::Center => self.margin + (self.content_width() - side) / 2.0,
            Align::Right => self.margin + self.content_width() - side,
        };
        let modules = (matrix.width() + 2 * QUIET_ZONE_MODULES) as f32;
        let y = self.cursor;
        self.ops().push(Op::Qr {
            x,
            y,
            module: side / modules,
            matrix: matrix.clone(),
        });
        self.cursor += side + 6.0;
        Ok(())
    }

    /// A table across the content width.
    pub fn table(&mut self, table: &Table) {
        let total_weight: f32 = table.columns.iter().map(|c| c.weight.max(0.0)).sum();
        if table.columns.is_empty() || total_weight <= 0.0 {
            return;
        }
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|c| self.content_width() * c.weight.max(0.0) / total_weight)
            .collect();
        let header: Vec<String> = table.columns.iter().map(|c| c.header.clone()).collect();
        let body = TextStyle::BODY.with_size(table.size);
        let head = body.bold();
        let header_height = self.row_height(&header, &widths, &head);
        self.keep_together(header_height + body.size * 3.0);
        self.table_row(&header, &widths, &head, Some(230));
        for row in &table.rows {
            let height = self.row_height(row, &widths, &body);
            if self.cursor + height > self.bottom() {
                self.page_break();
                self.table_row(&header, &widths, &head, Some(230));
            }
            self.table_row(row, &widths, &body, None);
        }
        self.cursor += 8.0;
    }

    fn row_height(&self, cells: &[String], widths: &[f32], style: &TextStyle) -> f32 {
        let padding = 3.0;
        widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let text = cells.get(i).map_or("", String::as_str);
                self.text_height(text, style, w - 2.0 * padding)
            })
            .fold(style.size * LINE_HEIGHT, f32::max)
            + 2.0 * padding
    }

    fn table_row(&mut self, cells: &[String], widths: &[f32], style: &TextStyle, fill: Option<u8>) {
        let padding = 3.0;
        let height = self.row_height(cells, widths, style);
        let top = self.cursor;
        let mut x = self.margin;
        for (i, &width) in widths.iter().enumerate() {
            self.ops().push(Op::Rect {
                rect: (x, top, width, height),
                fill,
                stroke: Some(0.5),
            });
            self.cursor = top + padding;
            let text = cells.get(i).map_or("", String::as_str);
            self.text_in(text, style, x + padding, width - 2.0 * padding);
            x += width;
        }
        self.cursor = top + height;
    }

    /// Writes the PDF: fonts embedded as subsets, text extractable (ToUnicode), metadata set.
    pub fn finish(self) -> Result<Vec<u8>, DocumentError> {
        let mut document = krilla::Document::new();
        document.set_metadata(
            krilla::metadata::Metadata::new()
                .title(self.title.clone())
                .language(self.language.clone())
                .creator("Mimamori".to_owned()),
        );
        let settings = PageSettings::from_wh(self.page_width(), self.page_height())
            .ok_or(DocumentError::Layout("invalid page size"))?;
        for ops in &self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, &self.fonts, op);
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|error| DocumentError::Pdf(format!("{error:?}")))
    }
}

fn grey_fill(grey: u8) -> Fill {
    Fill {
        paint: luma::Color::new(grey).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(surface: &mut krilla::surface::Surface<'_>, fonts: &FontSet, op: &Op) {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            bold,
            grey,
            text,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(grey_fill(*grey)));
            surface.draw_text(
                Point::from_xy(*x, *baseline),
                fonts.face(*bold).pdf_font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { rect, fill, stroke } => {
            let (x, y, w, h) = *rect;
            let Some(rect) = Rect::from_xywh(x, y, w, h) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            let Some(path) = builder.finish() else {
                return;
            };
            surface.set_fill(fill.map(grey_fill));
            surface.set_stroke(stroke.map(|width| Stroke {
                width,
                ..Stroke::default()
            }));
            surface.draw_path(&path);
        }
        Op::Qr {
            x,
            y,
            module,
            matrix,
        } => {
            let quiet = QUIET_ZONE_MODULES as f32 * module;
            let side = matrix.width() as f32 * module + 2.0 * quiet;
            surface.set_stroke(None);
            if let Some(background) = Rect::from_xywh(*x, *y, side, side) {
                let mut builder = PathBuilder::new();
                builder.push_rect(background);
                if let Some(path) = builder.finish() {
                    surface.set_fill(Some(grey_fill(255)));
                    surface.draw_path(&path);
                }
            }
            let mut builder = PathBuilder::new();
            for (row, column, length) in matrix.dark_runs() {
                if let Some(run) = Rect::from_xywh(
                    x + quiet + column as f32 * module,
                    y + quiet + row as f32 * module,
                    length as f32 * module,
                    *module,
                ) {
                    builder.push_rect(run);
                }
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(Some(grey_fill(0)));
                surface.draw_path(&path);
            }
        }
    }
}
