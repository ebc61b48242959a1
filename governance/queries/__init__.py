"""Read-side queries for pages: aggregated in SQL, a bounded number per page."""
