//! Placeholder until the filter-pattern judge lands.
