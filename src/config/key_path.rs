//! The dotted path of the setting at a place in a TOML file (`session[1].command`), so that an
//! error names the key as well as its line and column.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// The path of the innermost key or array element whose text covers byte `offset` of `text`;
/// `None` when `text` is not TOML or `offset` is outside every key.
pub(super) fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let document = DeTable::parse(text).ok()?;
    let mut narrowest = None;
    visit_table(document.get_ref(), "", offset, &mut narrowest);
    narrowest.map(|(_, path)| path)
}

type Best = Option<(Range<usize>, String)>;

fn visit_table(table: &DeTable<'_>, prefix: &str, offset: usize, best: &mut Best) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        // A `[table]` header's value span covers the brackets around the key.
        let (key, value_span) = (key.span(), value.span());
        consider(
            key.start.min(value_span.start)..value_span.end.max(key.end),
            &path,
            offset,
            best,
        );
        visit_value(value.get_ref(), &path, offset, best);
    }
}

fn visit_value(value: &DeValue<'_>, path: &str, offset: usize, best: &mut Best) {
    match value {
        DeValue::Table(table) => visit_table(table, path, offset, best),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{path}[{i}]");
                consider(item.span(), &path, offset, best);
                visit_value(item.get_ref(), &path, offset, best);
            }
        }
        _ => {}
    }
}

/// Keeps the narrowest span covering `offset`: the innermost setting there.
fn consider(span: Range<usize>, path: &str, offset: usize, best: &mut Best) {
    let narrower = best.as_ref().is_none_or(|(b, _)| span.len() <= b.len());
    if span.contains(&offset) && narrower {
        *best = Some((span, path.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(text: &str, needle: &str) -> Option<String> {
        key_path_at(text, text.find(needle).expect("needle in text"))
    }

    #[test]
    fn keys_in_tables_arrays_of_tables_and_arrays_have_their_paths() {
        let text = "[ui]\nprefx = \"a\"\n\n[[session]]\ntask_id = \"a\"\n\n\
                    [[session]]\ntask_id = \"b\"\ncommand = [\"x\", \"y\"]\n\n\
                    [templates.review]\nprofile = \"p\"\n";
        assert_eq!(path_of(text, "prefx").as_deref(), Some("ui.prefx"));
        assert_eq!(
            path_of(text, "\"b\"").as_deref(),
            Some("session[1].task_id")
        );
        assert_eq!(
            path_of(text, "[\"x\"").as_deref(),
            Some("session[1].command")
        );
        assert_eq!(
            path_of(text, "\"y\"").as_deref(),
            Some("session[1].command[1]")
        );
        assert_eq!(
            path_of(text, "\"p\"").as_deref(),
            Some("templates.review.profile")
        );
        assert_eq!(path_of(text, "[ui]").as_deref(), Some("ui"));
    }

    #[test]
    fn text_that_is_not_toml_has_no_paths() {
        assert_eq!(key_path_at("[ui\n", 3), None);
    }
}
