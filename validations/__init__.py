"""What enters the system: readers, value parsers, pandera schemas (rows, columns) and GX suites (datasets)."""
