//! Mastodon's pagination over time-sortable ids: `max_id` (older than), `since_id`
//! (newer than, newest first), `min_id` (the page just after, read oldest first and
//! handed back newest first), and a `limit`.

/// A page request, already validated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    pub fn newest(limit: i64) -> Page {
        Page {
            limit,
            ..Page::default()
        }
    }

    /// Whether rows are read oldest first (`min_id`) and must be reversed afterwards.
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// The lower bound on ids: `min_id` wins over `since_id`, as in Mastodon.
    pub fn lower(&self) -> Option<i64> {
        self.min_id.or(self.since_id)
    }

    /// Puts rows read with this page back newest first.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.ascending() {
            rows.reverse();
        }
        rows
    }
}

/// Applies a [`Page`] to a boxed diesel query on an id column: bounds, order and limit.
#[macro_export]
macro_rules! paginate {
    ($query:expr, $column:expr, $page:expr) => {{
        let page: &$crate::db::pagination::Page = &$page;
        let mut q = $query;
        if let Some(max) = page.max_id {
            q = q.filter($column.lt(max));
        }
        if let Some(min) = page.lower() {
            q = q.filter($column.gt(min));
        }
        q = if page.ascending() {
            q.order($column.asc())
        } else {
            q.order($column.desc())
        };
        q.limit(page.limit)
    }};
}
