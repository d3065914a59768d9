-- Hourly metric totals (issue 17; worker/lib/metrics.ts). Analytics Engine gets every data point
-- but cannot be read back locally, so /admin/metrics reads these. One row per (hour, metric,
-- label): `count` events and the `total` of their values (ms for latencies, rows for D1 rows).
-- A new table only: expand step.
CREATE TABLE metrics_hourly (
  -- (D1 refuses GLOB patterns over 50 bytes, so the date and the hour are checked apart.)
  hour TEXT NOT NULL CHECK (length(hour) = 13 AND substr(hour, 1, 10) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
    AND substr(hour, 11) GLOB 'T[0-9][0-9]'),
  metric TEXT NOT NULL CHECK (length(metric) BETWEEN 1 AND 40),
  label TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 300),
  count INTEGER NOT NULL DEFAULT 0,
  total REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, metric, label)
) WITHOUT ROWID;
