//! Where each pane goes: auto grid, rows, columns, or one zoomed pane.

use ratatui::layout::Rect;

use crate::config::Layout;

/// Splits `area` among `n` panes. `ratio` is the share of the first column (grid, columns)
/// or row (rows), when there is more than one.
pub fn pane_areas(area: Rect, n: usize, layout: Layout, ratio: f32) -> Vec<Rect> {
    match (n, layout) {
        (0, _) => Vec::new(),
        (1, _) => vec![area],
        (_, Layout::Columns) => split(area, n, ratio, true),
        (_, Layout::Rows) => split(area, n, ratio, false),
        (_, Layout::Grid) => grid(area, n, ratio),
    }
}

/// Columns × rows for `n` panes: 2 side by side, 3 in a row, 4 as 2×2, 5–6 as 3×2, …
pub fn grid_shape(n: usize) -> (usize, usize) {
    let cols = match n {
        0..=3 => n.max(1),
        _ => (n as f64).sqrt().ceil() as usize,
    };
    (cols, n.div_ceil(cols))
}

fn grid(area: Rect, n: usize, ratio: f32) -> Vec<Rect> {
    let (cols, rows) = grid_shape(n);
    let row_areas = split(area, rows, 1.0 / rows as f32, false);
    let mut out = Vec::with_capacity(n);
    for (r, row) in row_areas.into_iter().enumerate() {
        // The last row may hold fewer panes; they share its width.
        let in_row = (n - r * cols).min(cols);
        let share = if in_row == cols {
            ratio
        } else {
            1.0 / in_row as f32
        };
        out.extend(split(row, in_row, share, true));
    }
    out
}

/// `n` slices of `area`; the first gets `first` of it, the rest share what is left.
fn split(area: Rect, n: usize, first: f32, horizontal: bool) -> Vec<Rect> {
    let total = if horizontal { area.width } else { area.height } as usize;
    let first = if n == 1 {
        total
    } else {
        ((total as f32 * first).round() as usize).clamp(1, total.saturating_sub(n - 1).max(1))
    };
    let rest = total - first;
    let mut sizes = vec![first];
    for i in 0..n - 1 {
        let share = rest / (n - 1) + usize::from(i < rest % (n - 1));
        sizes.push(share);
    }
    let mut offset = 0u16;
    sizes
        .into_iter()
        .map(|size| {
            let size = size as u16;
            let rect = if horizontal {
                Rect::new(area.x + offset, area.y, size, area.height)
            } else {
                Rect::new(area.x, area.y + offset, area.width, size)
            };
            offset += size;
            rect
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: Rect = Rect {
        x: 0,
        y: 0,
        width: 120,
        height: 40,
    };

    fn even(n: usize, layout: Layout) -> Vec<Rect> {
        let (cols, _) = grid_shape(n);
        let ratio = match layout {
            Layout::Grid => 1.0 / cols as f32,
            _ => 1.0 / n as f32,
        };
        pane_areas(AREA, n, layout, ratio)
    }

    fn covers_without_overlap(rects: &[Rect]) {
        let cells: usize = rects.iter().map(|r| r.area() as usize).sum();
        assert_eq!(cells, AREA.area() as usize, "{rects:?}");
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!a.intersects(*b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn grids_for_one_to_six_panes() {
        let shapes = [(1, 1), (2, 1), (3, 1), (2, 2), (3, 2), (3, 2)];
        for (n, shape) in (1..=6).zip(shapes) {
            assert_eq!(grid_shape(n), shape, "{n} panes");
            let rects = even(n, Layout::Grid);
            assert_eq!(rects.len(), n);
            covers_without_overlap(&rects);
        }
        assert_eq!(
            even(2, Layout::Grid),
            vec![Rect::new(0, 0, 60, 40), Rect::new(60, 0, 60, 40)]
        );
        let five = even(5, Layout::Grid);
        assert_eq!(
            five[3],
            Rect::new(0, 20, 60, 20),
            "the last row's panes share its width"
        );
    }

    #[test]
    fn rows_and_columns_stack_every_pane() {
        for n in 1..=6 {
            for layout in [Layout::Rows, Layout::Columns] {
                let rects = even(n, layout);
                covers_without_overlap(&rects);
            }
        }
        assert_eq!(even(2, Layout::Rows)[1], Rect::new(0, 20, 120, 20));
    }

    #[test]
    fn the_ratio_sizes_the_first_column() {
        let rects = pane_areas(AREA, 2, Layout::Columns, 0.7);
        assert_eq!(rects[0].width, 84);
        assert_eq!(rects[1].width, 36);
    }
}
