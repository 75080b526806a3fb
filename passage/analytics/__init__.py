"""Anonymous choice statistics: events, storage back-ends, aggregates."""
