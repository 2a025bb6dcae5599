//! Where each pane goes: auto grid, rows, columns, or one zoomed pane.

use ratatui::layout::Rect;

use crate::config::Layout;

/// The smallest share of the screen grow and shrink leave a column or row.
const MIN_SHARE: f32 = 0.1;

/// Splits `area` among `n` panes. `weights` are the relative sizes of the columns (grid,
/// columns) or rows (rows), by position; one that has none has weight 1.
pub fn pane_areas(area: Rect, n: usize, layout: Layout, weights: &[f32]) -> Vec<Rect> {
    let weights = |count: usize| -> Vec<f32> {
        (0..count)
            .map(|i| weights.get(i).copied().unwrap_or(1.0))
            .collect()
    };
    match (n, layout) {
        (0, _) => Vec::new(),
        (1, _) => vec![area],
        (_, Layout::Columns) => split(area, &weights(n), true),
        (_, Layout::Rows) => split(area, &weights(n), false),
        (_, Layout::Grid) => grid(area, n, &weights(grid_shape(n).0)),
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

/// The column (grid, columns) or row (rows) that pane `index` of `n` is in, and how many
/// there are: what grow and shrink resize.
pub fn track_of(layout: Layout, n: usize, index: usize) -> (usize, usize) {
    match layout {
        Layout::Grid => {
            let cols = grid_shape(n).0;
            (index % cols, cols)
        }
        Layout::Columns | Layout::Rows => (index, n),
    }
}

/// Grows track `index` of `count` by `delta` of the whole (shrinks it when negative); the
/// others give or take in proportion to their size.
pub fn resize(weights: &mut Vec<f32>, count: usize, index: usize, delta: f32) {
    if count < 2 || index >= count {
        return;
    }
    if weights.len() < count {
        weights.resize(count, 1.0);
    }
    let total: f32 = weights[..count].iter().sum();
    let others = total - weights[index];
    let most = 1.0 - MIN_SHARE * (count - 1) as f32;
    let share = (weights[index] / total + delta).clamp(MIN_SHARE, most.max(MIN_SHARE));
    weights[index] = share * others / (1.0 - share);
}

fn grid(area: Rect, n: usize, col_weights: &[f32]) -> Vec<Rect> {
    let (cols, rows) = grid_shape(n);
    let row_areas = split(area, &vec![1.0; rows], false);
    let mut out = Vec::with_capacity(n);
    for (r, row) in row_areas.into_iter().enumerate() {
        // The last row may hold fewer panes; they share its width.
        let in_row = (n - r * cols).min(cols);
        if in_row == cols {
            out.extend(split(row, col_weights, true));
        } else {
            out.extend(split(row, &vec![1.0; in_row], true));
        }
    }
    out
}

/// Slices of `area` sized by `weights`, every one at least a cell when there is room.
fn split(area: Rect, weights: &[f32], horizontal: bool) -> Vec<Rect> {
    let n = weights.len();
    let total = if horizontal { area.width } else { area.height } as usize;
    let sum: f32 = weights.iter().sum();
    // Each boundary is rounded on its own, so the slices always add up to the whole.
    let mut edges = vec![0usize];
    let mut before = 0.0;
    for (i, weight) in weights.iter().enumerate() {
        before += weight;
        let edge = if i + 1 == n {
            total
        } else {
            let room_after = total.saturating_sub(n - 1 - i);
            ((total as f32 * before / sum).round() as usize)
                .max(edges[i] + 1)
                .min(room_after)
        };
        edges.push(edge);
    }
    edges
        .windows(2)
        .map(|w| {
            let (start, size) = (w[0] as u16, (w[1] - w[0]) as u16);
            if horizontal {
                Rect::new(area.x + start, area.y, size, area.height)
            } else {
                Rect::new(area.x, area.y + start, area.width, size)
            }
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
        pane_areas(AREA, n, layout, &[])
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
    fn weights_size_the_columns() {
        let rects = pane_areas(AREA, 2, Layout::Columns, &[0.7, 0.3]);
        assert_eq!(rects[0].width, 84);
        assert_eq!(rects[1].width, 36);
    }

    #[test]
    fn resizing_a_middle_column_takes_from_both_neighbours() {
        let mut weights = Vec::new();
        resize(&mut weights, 3, 1, 0.1);
        let rects = pane_areas(AREA, 3, Layout::Columns, &weights);
        let widths: Vec<u16> = rects.iter().map(|r| r.width).collect();
        assert_eq!(widths, [34, 52, 34]);
        covers_without_overlap(&rects);
    }

    #[test]
    fn a_column_keeps_at_least_a_tenth() {
        let mut weights = Vec::new();
        for _ in 0..20 {
            resize(&mut weights, 2, 0, -0.05);
        }
        let rects = pane_areas(AREA, 2, Layout::Columns, &weights);
        assert_eq!(rects[0].width, 12);
        for _ in 0..40 {
            resize(&mut weights, 2, 0, 0.05);
        }
        let rects = pane_areas(AREA, 2, Layout::Columns, &weights);
        assert_eq!(rects[1].width, 12);
    }

    #[test]
    fn a_grid_pane_belongs_to_its_column() {
        assert_eq!(track_of(Layout::Grid, 4, 3), (1, 2));
        assert_eq!(track_of(Layout::Grid, 5, 4), (1, 3));
        assert_eq!(track_of(Layout::Rows, 3, 2), (2, 3));
        let mut weights = Vec::new();
        resize(&mut weights, 2, 1, 0.2);
        let rects = pane_areas(AREA, 4, Layout::Grid, &weights);
        assert_eq!(
            (rects[1].width, rects[3].width),
            (84, 84),
            "both rows' second column"
        );
    }
}
