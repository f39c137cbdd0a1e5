//! The shared whiteboard's items: freehand strokes and texts in fractions of the board, so every
//! screen shows the same picture, with the checks every item passes before it is kept and sent on.

use serde::{Deserialize, Serialize};

use crate::kernel::valid_message_id;

/// One thing drawn on the shared whiteboard. Coordinates are fractions of the board (0 to 1), so
/// every screen size shows the same picture.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BoardItem {
    Stroke { id: String, color: String, width: f32, points: Vec<[f32; 2]> },
    Text { id: String, color: String, x: f32, y: f32, text: String },
}

pub use sangdam_domain::limits::{MAX_BOARD_ITEMS, MAX_BOARD_TEXT_CHARS, MAX_STROKE_POINTS};
const COLORS: &[&str] = &["#1b2430", "#c0392b", "#1f6feb", "#2e7d32", "#f39c12", "#ffffff"];

impl BoardItem {
    pub fn valid(&self) -> bool {
        let unit = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
        match self {
            BoardItem::Stroke { id, color, width, points } => {
                valid_message_id(id)
                    && COLORS.contains(&color.as_str())
                    && width.is_finite()
                    && (0.5..=40.0).contains(width)
                    && !points.is_empty()
                    && points.len() <= MAX_STROKE_POINTS
                    && points.iter().all(|[x, y]| unit(*x) && unit(*y))
            }
            BoardItem::Text { id, color, x, y, text } => {
                valid_message_id(id)
                    && COLORS.contains(&color.as_str())
                    && unit(*x)
                    && unit(*y)
                    && !text.trim().is_empty()
                    && text.chars().count() <= MAX_BOARD_TEXT_CHARS
                    && !text.chars().any(char::is_control)
            }
        }
    }
}
